"""PSRPSession's policy checks, value conversions and error mapping, without a server."""

from __future__ import annotations

import queue
import socket
import uuid

import pytest
from pypsrp.complex_objects import GenericComplexObject
from pypsrp.exceptions import WinRMTransportError, WSManFaultError
from pypsrp.messages import ErrorRecordMessage
from pypsrp.serializer import TaggedValue

from hvtui.errors import AuthError, ConfigError, ProtocolError, RemoteError, SessionLost
from hvtui.remote.psrp import PSRPSession
from hvtui.remote.psrp_values import error_record, plain_object, plain_value
from hvtui.remote.psrp_values import wire_value as _wire_value

PASSWORD = "correct horse battery staple"


def session(**overrides: object) -> PSRPSession:
    options: dict[str, object] = {"address": "127.0.0.1", "port": 5986, "auth": "basic",
                                  "username": "admin", "password": PASSWORD}
    options.update(overrides)
    return PSRPSession("hv09", **options)  # type: ignore[arg-type]


# -- policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "[::1]"])
def test_basic_over_http_is_allowed_to_loopback(address: str) -> None:
    bare = address.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    assert f"endpoint='http://{shown}:5985/wsman'" in repr(
        session(scheme="http", address=address, port=5985))


@pytest.mark.parametrize("address", ["localhost", "10.0.0.5", "hv09.example.com", "::2"])
def test_basic_over_http_is_refused_elsewhere(address: str) -> None:
    with pytest.raises(ConfigError, match="clear text"):
        session(scheme="http", address=address, port=5985)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"auth": "digest"}, "authentication"),
        ({"scheme": "ftp"}, "scheme"),
        ({"port": 0}, "not a TCP port"),
        ({"port": 70000}, "not a TCP port"),
        ({"username": ""}, "user name"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "does not exist"),
        ({"cert_thumbprint": "ab" * 20}, "SHA-256"),  # a SHA-1 thumbprint
        ({"cert_thumbprint": "zz" * 32}, "SHA-256"),
        ({"scheme": "http", "auth": "ntlm", "cert_thumbprint": "ab" * 32}, "plain HTTP"),
    ],
)
def test_bad_settings_are_configuration_errors(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match) as caught:
        session(**overrides)
    assert caught.value.host == "hv09"
    assert PASSWORD not in str(caught.value)


def test_thumbprints_are_accepted_in_the_usual_spellings() -> None:
    digest = "A1" * 32
    for spelled in (digest, digest.lower(), ":".join([digest[i:i + 2] for i in range(0, 64, 2)]),
                    " ".join([digest[i:i + 4] for i in range(0, 64, 4)])):
        # Every spelling pins the same certificate: the digest, lower case, nothing between.
        assert session(cert_thumbprint=spelled)._thumbprint == digest.lower()


def test_repr_names_the_endpoint_not_the_password() -> None:
    text = repr(session(address="::1", port=5986))
    assert "https://[::1]:5986/wsman" in text
    assert "admin" in text
    assert PASSWORD not in text and PASSWORD not in str(vars(session()))


async def test_credssp_without_its_package_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pypsrp.wsman

    class Missing:
        """What pypsrp puts in place of HttpCredSSPAuth when requests-credssp is absent."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise ImportError("Cannot use CredSSP auth as requests-credssp is not installed: "
                              "No module named 'requests_credssp'")

    monkeypatch.setattr(pypsrp.wsman, "HttpCredSSPAuth", Missing)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    client = session(auth="credssp", port=free)
    with pytest.raises(ConfigError, match="requests-credssp"):
        await client.invoke("1")
    await client.close()


# -- parameters --------------------------------------------------------------------------


def test_integers_are_tagged_with_their_real_width() -> None:
    small = _wire_value(2**31 - 1, "n")
    big = _wire_value(2**31, "n")
    assert isinstance(small, TaggedValue) and small.tag == "I32"
    assert isinstance(big, TaggedValue) and big.tag == "I64"
    double = _wire_value(0.1, "f")
    assert isinstance(double, TaggedValue) and double.tag == "Db"
    tagged = _wire_value([1, 2**40], "ids")
    assert [v.tag for v in tagged] == ["I32", "I64"]
    assert _wire_value(True, "b") is True and _wire_value(None, "x") is None
    assert _wire_value("日本 'x'", "s") == "日本 'x'"


def test_unsendable_parameters_are_refused() -> None:
    with pytest.raises(TypeError, match="64-bit"):
        _wire_value(2**64, "n")
    with pytest.raises(TypeError, match="dict"):
        _wire_value({"a": 1}, "d")  # type: ignore[arg-type]


# -- values -------------------------------------------------------------------------------


def test_objects_without_clixml_are_walked() -> None:
    obj = GenericComplexObject()
    obj.adapted_properties = {"Name": "vm1", "Id": uuid.UUID(int=1)}
    obj.extended_properties = {"Name": "vm1-extended", "Sizes": [1, 2]}
    assert plain_value(obj) == {"Name": "vm1-extended", "Id": str(uuid.UUID(int=1)),
                                "Sizes": [1, 2]}
    enum_like = GenericComplexObject()
    enum_like.to_string = "Running"
    assert plain_value(enum_like) == "Running"
    items: queue.Queue[int] = queue.Queue()
    items.put(3)
    assert plain_value({"q": items}) == {"q": [3]}


def test_bare_output_values_stay_bare_as_over_ssh() -> None:
    text: object = plain_object("just text")  # typed as a record; a bare value stays bare
    number: object = plain_object(42)
    assert text == "just text" and number == 42


def test_error_record_falls_back_to_its_text() -> None:
    record = ErrorRecordMessage(  # type: ignore[no-untyped-call]
        category=13, fq_error="NotFound", target_name="vm 'x'")
    record._to_string = "Cannot find vm 'x'."  # type: ignore[assignment]
    converted = error_record(record)
    assert converted.message == "Cannot find vm 'x'."
    assert converted.category == "ObjectNotFound"
    assert converted.error_id == "NotFound" and converted.target == "vm 'x'"
    unknown = ErrorRecordMessage(category=999)  # type: ignore[no-untyped-call]
    assert error_record(unknown).category == "999"


# -- error mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "expected", "text"),
    [
        (WinRMTransportError("http", 403, ""), AuthError, "403"),
        (WinRMTransportError("http", 502, "Bad gateway"), ProtocolError, "502"),
        (WSManFaultError(0x80070005, "hv09", "Access is denied.", None, None, None), AuthError,
         "Access is denied"),
        (WSManFaultError(0x8033805B, "hv09", "gone", None, None, None), SessionLost, "no longer"),
        (WSManFaultError(0x80338104, "hv09", "quota", None, None, None), RemoteError,
         "0x80338104"),
        (ValueError("bad base64"), ProtocolError, "not valid"),
    ],
)
def test_failures_map_to_hvtui_errors(
    raised: Exception, expected: type[Exception], text: str
) -> None:
    mapped = session()._failure(raised)
    assert type(mapped) is expected
    assert text in str(mapped)
    assert mapped.host == "hv09"
    assert mapped.hint
