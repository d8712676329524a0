"""A self-signed TLS certificate for the lab's WinRM (HTTPS) listeners.

The certificate names ``localhost``, ``127.0.0.1`` and ``::1`` and is written as a
PEM file that clients load as their CA bundle (it is its own trust anchor). Its
SHA-256 thumbprint is what a client pins with ``cert_thumbprint``. The private key
stays next to it, readable by the owner only.

A certificate already in the directory is reused while it is valid for more than
a day, so the thumbprint a user pinned stays the same across lab runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = "winrm-lab-cert.pem"
KEY_FILE = "winrm-lab-key.pem"
_NAMES = ("localhost",)
_ADDRESSES = ("127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class LabCertificate:
    """A certificate and key on disk, ready to serve TLS."""

    cert_path: Path
    """PEM certificate; clients pass this path as their CA bundle."""
    key_path: Path
    """PEM private key (mode 0600)."""
    thumbprint: str
    """SHA-256 of the DER certificate, lowercase hex without separators."""

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for a listener presenting this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def thumbprint_of(der: bytes) -> str:
    """The SHA-256 thumbprint of a DER certificate (lowercase hex)."""
    return hashlib.sha256(der).hexdigest()


def load_or_create(directory: str | os.PathLike[str], *, valid_days: int = 825) -> LabCertificate:
    """Reuse the lab certificate in ``directory`` or generate a new one there."""
    folder = Path(directory)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    existing = _load(cert_path, key_path)
    if existing is not None:
        return existing
    return create(folder, valid_days=valid_days)


def create(directory: str | os.PathLike[str], *, valid_days: int = 825) -> LabCertificate:
    """Generate a fresh self-signed certificate and key in ``directory``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "hvtui lab WinRM"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hvtui lab"),
    ])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in _NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in _ADDRESSES]
    # The certificate is both the server's certificate and the trust anchor clients
    # load, so it carries the CA extensions strict verifiers (Python 3.13+) demand.
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    der = cert.public_bytes(serialization.Encoding.DER)
    return LabCertificate(cert_path, key_path, thumbprint_of(der))


def _write_private(path: Path, data: bytes) -> None:
    # Create with 0600 from the start: the key is never world-readable, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _load(cert_path: Path, key_path: Path) -> LabCertificate | None:
    """The certificate on disk if it is usable for at least another day."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if key.public_key() != cert.public_key():
        return None
    if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < dt.timedelta(days=1):
        return None
    der = cert.public_bytes(serialization.Encoding.DER)
    return LabCertificate(cert_path, key_path, thumbprint_of(der))
