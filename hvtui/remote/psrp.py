"""PowerShell over WinRM: the PSRP transport, on pypsrp.

One :class:`PSRPSession` per host keeps ONE runspace pool open (opening one costs
several round trips), opened on the first call and reopened after a failure.
pypsrp is synchronous, so every call runs in a small per-session thread pool;
the awaiting task sees plain data, progress as it arrives, and hvtui's errors.

A call is ``PowerShell(pool).add_script(text)`` plus one ``add_parameter`` per
value: values travel as typed CLIXML, never as script text. The script runs in its
own scope so nothing it defines survives into the next call on the same pool.

Security policy (checked before anything is sent):

- HTTPS verifies the host's certificate, against ``ca_bundle`` or the system
  store, or by pinning ``cert_thumbprint`` (SHA-256 of the DER certificate,
  compared in constant time by urllib3) instead of a chain;
- plain HTTP only with message encryption, which ntlm/kerberos/credssp/negotiate
  provide; Basic over HTTP is refused except to a loopback address (the lab);
- the password appears in no message, log line or repr.

Timeouts: a call's timeout covers everything, opening the session included. The
awaiting task reports at the timeout; the worker thread's HTTP requests are cut at
the same deadline (plus ``_SLACK``), and pypsrp's own retries of a read timeout
(five, on Receive) are turned off, so a frozen host never keeps a thread (or the
process's exit) waiting for minutes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import logging
import math
import os
import re
import ssl
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import requests
import requests.adapters
import requests.auth
import urllib3.exceptions
from pypsrp.complex_objects import PSInvocationState
from pypsrp.exceptions import (
    AuthenticationError,
    FragmentError,
    InvalidPSRPOperation,
    SerializationError,
    WinRMError,
    WinRMTransportError,
    WSManFaultError,
)
from pypsrp.powershell import Fragmenter, PowerShell, RunspacePool
from pypsrp.serializer import Serializer
from pypsrp.wsman import WSMan, _TransportHTTP

from hvtui.errors import (
    AuthError,
    ConfigError,
    ConnectError,
    HvtuiError,
    ProtocolError,
    RemoteError,
    RemoteTimeout,
    SessionLost,
)
from hvtui.remote.base import ParamValue, ProgressCallback, ProgressRecord, PSResult
from hvtui.remote.psrp_values import (
    PassthroughSerializer,
    error_record,
    plain_object,
    progress_record,
    wire_value,
)

log = logging.getLogger(__name__)

Scheme = Literal["https", "http"]
Auth = Literal["basic", "ntlm", "kerberos", "credssp", "negotiate"]
_AUTHS: tuple[str, ...] = ("basic", "ntlm", "kerberos", "credssp", "negotiate")
_FAULT_TIMED_OUT = 0x80338029
_FAULT_SHELL_NOT_FOUND = 0x8033805B
_FAULT_ACCESS_DENIED = 0x80070005
_REDACT_MIN = 6
_STOP_WAIT = 5.0
"""Seconds a cancelled call waits for the host to confirm the pipeline stopped."""
_STOP_GRACE = 1.0
"""Seconds a timed-out call waits for that confirmation before it reports anyway."""
_SLACK = 1.0
"""Seconds a worker thread's HTTP request may outlast its call's deadline."""
_CLOSE_WAIT = 2.0
"""Seconds closing a runspace pool (WS-Man Delete) may take."""

_LATE_ANSWER = 10.0
"""Seconds a busy host may answer a long poll (Receive) after its OperationTimeout."""

_deadline = threading.local()
"""The monotonic time by which the current worker thread's HTTP requests must end."""


class _DeadlinePassed(requests.exceptions.Timeout):
    """The call this request belongs to is out of time; nothing was sent."""


def _bounded(timeout: Any, connect: float, read: float) -> Any:
    """``timeout`` for one HTTP request, cut to the thread's deadline (if it has one)."""
    deadline: float | None = getattr(_deadline, "value", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _DeadlinePassed("the call ran out of time")
    if isinstance(timeout, tuple):
        connect, read = timeout
    elif timeout is not None:
        connect = read = timeout
    return (min(connect, remaining), min(read, remaining))


class _BoundedTransport(_TransportHTTP):
    """pypsrp's HTTP transport, with every request cut to the calling thread's deadline.

    pypsrp retries a Receive that timed out five times, each with the full read
    timeout; here a timeout is final: the call's owner decides what happens next. So a
    long poll's answer may come late: pypsrp waits its OperationTimeout + 2 s, which a
    busy host (or one compiling its first script) overruns on a 2 s encrypted poll.
    """

    def send(self, message: bytes, *, retries_on_read_timeout: int = 0,
             timeout: Any = None) -> bytes:
        if isinstance(timeout, int | float):
            timeout += _LATE_ANSWER
        limit = _bounded(timeout, self.connection_timeout, self.read_timeout)
        return super().send(message, retries_on_read_timeout=0, timeout=limit)


@contextlib.contextmanager
def _until(deadline: float | None) -> Iterator[None]:
    """Bound the HTTP requests this thread sends meanwhile by ``deadline``."""
    previous = getattr(_deadline, "value", None)
    _deadline.value = deadline
    try:
        yield
    finally:
        _deadline.value = previous


class _Secret:
    """Holds the password so that no repr, vars() dump or traceback shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<hidden>"


class _Abandoned(Exception):
    """The caller gave up on this call (cancelled or timed out); its result is unused."""


class _LockedFragmenter(Fragmenter):
    """pypsrp's Fragmenter behind a lock.

    A pypsrp pool shares one Fragmenter (an outgoing counter, a reassembly buffer)
    and one Serializer (with per-call state) between its pipelines. Taking the lock
    around packing and unpacking lets several pipelines of one pool run from
    different threads while their HTTP requests stay concurrent.
    """

    def __init__(self, original: Fragmenter, serializer: Serializer) -> None:
        self.__dict__.update(original.__dict__)  # adopt the original's state
        self.serializer = serializer
        self._lock = threading.RLock()

    def fragment(self, *args: Any, **kwargs: Any) -> list[bytes]:
        with self._lock:
            return super().fragment(*args, **kwargs)

    def fragment_multiple(self, *args: Any, **kwargs: Any) -> list[bytes]:
        with self._lock:
            return super().fragment_multiple(*args, **kwargs)

    def defragment(self, *args: Any, **kwargs: Any) -> list[Any]:
        with self._lock:
            return super().defragment(*args, **kwargs)


class _BasicAuth(requests.auth.HTTPBasicAuth):
    """Basic credentials in UTF-8, remembering what a host that refused them offers instead.

    requests encodes str credentials as latin-1; UTF-8 keeps any password sendable.
    WinRM does not offer Basic over HTTP while it refuses unencrypted traffic (its
    default), and a 401 alone cannot tell that from a wrong password: the offers can.
    """

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username.encode("utf-8"), password.encode("utf-8"))
        self.offered: str | None = None
        """The refusing host's WWW-Authenticate header (None: no refusal seen)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.register_hook("response", self._remember_offers)
        return super().__call__(request)

    def _remember_offers(self, response: requests.Response, **_: Any) -> requests.Response:
        if response.status_code == 401:
            self.offered = response.headers.get("WWW-Authenticate", "")
        return response


class _PinnedAdapter(requests.adapters.HTTPAdapter):
    """An HTTPS adapter that accepts exactly one certificate, by SHA-256 fingerprint."""

    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self._fingerprint = fingerprint
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        # urllib3 compares the peer's DER certificate digest with hmac.compare_digest.
        pool_kwargs["assert_fingerprint"] = self._fingerprint
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


@dataclass(slots=True)
class _Pool:
    wsman: WSMan
    pool: RunspacePool


class _Call:
    """What the awaiting task and the worker thread of one call share."""

    def __init__(self, progress: Callable[[ProgressRecord], None] | None,
                 timeout: float | None) -> None:
        self.cancel = threading.Event()
        self.ps: PowerShell | None = None
        self.progress = progress
        self.deadline = None if timeout is None else time.monotonic() + timeout + _SLACK
        """When the worker thread's HTTP requests must end (monotonic), or None."""
        self.opening = True
        """True until the runspace pool is open (what a timeout message says)."""
        self.stopped = False
        """True once the host confirmed that the abandoned pipeline stopped."""

    def stop(self) -> None:
        """Send the PSRP stop signal now (from a second thread)."""
        ps = self.ps
        if ps is None or ps.state != PSInvocationState.RUNNING:
            return
        try:
            with _until(time.monotonic() + _CLOSE_WAIT):  # a live host answers at once
                ps.stop()
        except Exception as exc:  # noqa: BLE001 - the worker thread reports the real failure
            log.debug("stop signal failed: %s", type(exc).__name__)


class PSRPSession:
    """A WinRM/PSRP connection to one host (implements :class:`hvtui.remote.base.Session`)."""

    def __init__(
        self,
        host: str,
        *,
        address: str,
        port: int,
        scheme: Scheme = "https",
        auth: Auth = "negotiate",
        username: str,
        password: str,
        ca_bundle: str | None = None,
        cert_thumbprint: str | None = None,
        verify: bool = True,
        connect_timeout: float = 10.0,
        operation_timeout: float = 20.0,
    ) -> None:
        self.host = host
        """The inventory name of the host this session talks to."""
        self._address = address[1:-1] if address.startswith("[") else address  # [::1] -> ::1
        self._port = port
        self._scheme = scheme
        self._auth = auth
        self._username = username
        self._password = _Secret(password)
        self._ca_bundle = ca_bundle
        self._thumbprint = _normalise_thumbprint(cert_thumbprint, host) if cert_thumbprint else None
        self._verify = verify
        self._connect_timeout = float(connect_timeout)
        self._operation_timeout = max(1, math.ceil(operation_timeout))
        self._check_policy()
        # Message encryption (HTTP + Negotiate/Kerberos/CredSSP) binds one security
        # context to the connection: such sessions run one request at a time.
        self._encrypted = scheme == "http" and auth != "basic"
        self._parallel = 1 if self._encrypted else 4
        self._poll_seconds = 2 if self._encrypted else self._operation_timeout
        self._slots = asyncio.Semaphore(self._parallel)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._pool: _Pool | None = None
        self._basic: _BasicAuth | None = None

    def __repr__(self) -> str:
        return (f"PSRPSession(host={self.host!r}, endpoint={self._endpoint!r}, "
                f"auth={self._auth!r}, username={self._username!r})")

    @property
    def _endpoint(self) -> str:
        address = f"[{self._address}]" if ":" in self._address else self._address
        return f"{self._scheme}://{address}:{self._port}/wsman"

    # -- policy ------------------------------------------------------------------

    def _check_policy(self) -> None:
        where = self.host
        if self._scheme not in ("https", "http"):
            raise ConfigError(f"unknown WinRM scheme {self._scheme!r}", host=where,
                              hint="use 'https' (port 5986) or 'http' (5985)")
        if self._auth not in _AUTHS:
            raise ConfigError(f"unknown WinRM authentication {self._auth!r}", host=where,
                              hint=f"use one of {', '.join(_AUTHS)}")
        if not 0 < self._port < 65536:
            raise ConfigError(f"port {self._port} is not a TCP port", host=where,
                              hint="WinRM listens on 5986 (HTTPS) or 5985 (HTTP)")
        if not self._address:
            raise ConfigError("the host has no address", host=where, hint="set its address")
        if not self._username:
            raise ConfigError("no user name for WinRM", host=where, hint="set the user name")
        if self._scheme == "http":
            if self._auth == "basic" and not _is_loopback(self._address):
                raise ConfigError(
                    f"Basic authentication over plain HTTP to {self._address} would send the "
                    "password in clear text", host=where,
                    hint="use HTTPS (port 5986), or ntlm/kerberos/negotiate, which encrypt "
                         "messages over HTTP",
                )
            if self._thumbprint:
                raise ConfigError("cert_thumbprint was given for a plain HTTP endpoint",
                                  host=where, hint="use scheme 'https' to pin the certificate")
        if self._ca_bundle is not None and not os.path.exists(self._ca_bundle):
            raise ConfigError(f"the CA bundle {self._ca_bundle} does not exist", host=where,
                              hint="export the host's CA certificate as PEM and point ca_bundle "
                                   "at it")

    # -- Session protocol --------------------------------------------------------

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        """Run ``script`` with ``parameters`` bound by name; see :class:`Session`."""
        wire = {str(k): wire_value(v, str(k)) for k, v in (parameters or {}).items()}
        loop = asyncio.get_running_loop()
        progress: Callable[[ProgressRecord], None] | None = None
        if on_progress is not None:
            callback = on_progress

            def forward(record: ProgressRecord) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening
                    loop.call_soon_threadsafe(callback, record)

            progress = forward
        call = _Call(progress, timeout)
        future: asyncio.Future[PSResult] | None = None
        timer = asyncio.timeout(timeout)  # covers waiting for a free slot too
        try:
            async with timer:
                await self._slots.acquire()
                try:
                    future = loop.run_in_executor(self._workers(), self._run, script, wire, call)
                except BaseException:
                    self._slots.release()
                    raise
                # The slot frees when the thread is done, not when the caller gives up,
                # so a stuck call never lets more threads than slots pile onto the pool.
                future.add_done_callback(self._call_done)
                return await asyncio.shield(future)
        except asyncio.CancelledError:
            if future is not None:
                await self._abandon(call, future)
            task = asyncio.current_task()
            if task is not None and not task.cancelling() and future is not None:
                # Nobody cancelled the caller: close() cancelled the queued work.
                raise SessionLost("the session was closed while the call waited",
                                  host=self.host, hint="run the call again") from None
            raise
        except TimeoutError:
            if not timer.expired():
                raise
            assert timeout is not None
            if future is None:
                raise RemoteTimeout(f"no free slot on the session within {timeout:g} s",
                                    host=self.host, hint="the host is busy with earlier calls: "
                                    "raise the timeout or try again") from None
            if call.opening:
                call.cancel.set()
                raise self._error(
                    RemoteTimeout, f"no WinRM answer from {self._address}:{self._port} within "
                                   f"{timeout:g} s while opening the session",
                    f"check that the host is up and WinRM listens on port {self._port} "
                    "(HTTPS 5986, HTTP 5985); a firewall that drops packets looks the same",
                ) from None
            await self._abandon(call, future, wait=_STOP_GRACE)
            raise RemoteTimeout(
                f"no result within {timeout:g} s; "
                + ("the remote pipeline was stopped" if call.stopped
                   else "the host did not confirm the stop (it may be hung)"),
                host=self.host,
                hint="the host may be busy: raise the timeout or try again",
            ) from None

    async def close(self) -> None:
        """Close the runspace pool (WS-Man Delete) and release the worker threads."""
        executor, self._executor = self._executor, None
        try:
            await asyncio.wait_for(asyncio.to_thread(self._close_pool), timeout=_CLOSE_WAIT + 1)
        except Exception as exc:  # noqa: BLE001 - closing must not fail
            log.debug("closing the pool of %s: %s", self.host, type(exc).__name__)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    # -- awaiting side -----------------------------------------------------------

    def _workers(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=2 * self._parallel + 1, thread_name_prefix=f"psrp-{self.host}"
            )
        return self._executor

    def _call_done(self, future: asyncio.Future[PSResult]) -> None:
        self._slots.release()
        if not future.cancelled():
            future.exception()  # retrieved here: an abandoned call's failure is expected

    async def _abandon(self, call: _Call, future: asyncio.Future[PSResult],
                       wait: float | None = None) -> None:
        """Stop the remote pipeline of a call nobody waits for; wait a while for the worker."""
        call.cancel.set()
        if not self._encrypted and not future.done() and self._executor is not None:
            # The worker is blocked in a long-poll Receive: signal from a second thread.
            with contextlib.suppress(RuntimeError):
                self._executor.submit(call.stop)
        if wait is None:
            wait = _STOP_WAIT + (self._poll_seconds if self._encrypted else 0)
        await asyncio.wait({future}, timeout=wait)

    # -- worker threads ------------------------------------------------------------

    def _run(self, script: str, parameters: dict[str, Any], call: _Call) -> PSResult:
        with _until(call.deadline):
            return self._run_until(script, parameters, call)

    def _run_until(self, script: str, parameters: dict[str, Any], call: _Call) -> PSResult:
        handle: _Pool | None = None
        try:
            if call.cancel.is_set():
                raise _Abandoned  # it waited for the pool lock past its deadline
            handle = self._acquire_pool()
            call.opening = False
            ps = PowerShell(handle.pool)
            ps.add_script(script, use_local_scope=True)
            for name, value in parameters.items():
                ps.add_parameter(name, value)
            call.ps = ps
            if call.cancel.is_set():
                raise _Abandoned
            ps.begin_invoke()
            seen = 0
            while ps.state == PSInvocationState.RUNNING:
                if call.cancel.is_set():
                    call.stop()
                    break
                ps.poll_invoke(timeout=self._poll_for(call))
                seen = _forward_progress(ps, seen, call.progress)
            if call.cancel.is_set():
                call.stopped = ps.state == PSInvocationState.STOPPED
                with contextlib.suppress(Exception):
                    ps.close()  # the host can forget the stopped command at once
                raise _Abandoned
            result = _result(ps)
            with contextlib.suppress(Exception):
                ps.close()  # Signal Terminate: the host frees the command now
            return result
        except (_Abandoned, HvtuiError):
            raise
        except Exception as exc:
            error = self._failure(exc)
            if handle is not None:
                self._discard_pool(handle)
            raise error from exc

    def _poll_for(self, call: _Call) -> int:
        """Receive's long-poll: the host answers before the call's deadline cuts it off."""
        if call.deadline is None:
            return self._poll_seconds
        left = call.deadline - _SLACK - time.monotonic()
        return max(1, min(self._poll_seconds, math.ceil(left)))

    def _acquire_pool(self) -> _Pool:
        with self._pool_lock:
            if self._pool is not None:
                return self._pool
            wsman = self._connection()
            try:
                pool = RunspacePool(wsman, max_runspaces=self._parallel)
                # pypsrp has no hooks for these: swap in a serializer that keeps output
                # as CLIXML (see psrp_values) and the locked fragmenter (see above).
                serializer = PassthroughSerializer()
                pool._serializer = serializer
                pool._fragmenter = _LockedFragmenter(pool._fragmenter, serializer)
                pool.open()
            except Exception as exc:
                with contextlib.suppress(Exception):
                    wsman.close()
                raise self._failure(exc, opening=True) from exc
            log.info("opened a PSRP runspace pool on %s (%s as %s)", self.host, self._endpoint,
                     self._username)
            self._pool = _Pool(wsman, pool)
            return self._pool

    def _connection(self) -> WSMan:
        https = self._scheme == "https"
        validation: bool | str = True
        if https and (self._thumbprint or not self._verify):
            validation = False  # the pin replaces the chain check, or the user opted out
        elif https and self._ca_bundle:
            validation = self._ca_bundle
        try:
            wsman = WSMan(
                self._address, port=self._port, ssl=https, path="wsman", auth=self._auth,
                username=self._username, password=self._password.reveal(),
                cert_validation=validation,  # type: ignore[arg-type]  # pypsrp accepts a path too
                # Over HTTP: message encryption, except Basic to loopback (policy above).
                encryption="auto" if https else ("always" if self._encrypted else "never"),
                connection_timeout=self._connect_timeout,  # type: ignore[arg-type]
                read_timeout=self._operation_timeout + 10,
                operation_timeout=self._operation_timeout,
                no_proxy=True, reconnection_retries=0, reconnection_backoff=0.2,
            )
            transport = wsman.transport
            transport.__class__ = _BoundedTransport  # same state, requests cut to the deadline
            # Build pypsrp's requests session now (not lazily inside a request) so the
            # pin and the credentials' encoding can be set before anything is sent.
            session = transport._build_session()
        except ImportError as exc:
            raise ConfigError(
                f"authentication {self._auth!r} needs a package that is not installed "
                f"({exc.name or exc})", host=self.host,
                hint="install requests-credssp, or use ntlm, kerberos or negotiate",
            ) from None
        except ValueError as exc:
            raise ConfigError(self._redact(f"pypsrp refused the settings: {exc}"),
                              host=self.host, hint="check scheme, auth and certificate settings"
                              ) from None
        if self._thumbprint:
            retries = getattr(session.get_adapter("https://"), "max_retries", 0)
            session.mount("https://", _PinnedAdapter(self._thumbprint, max_retries=retries))
        if self._auth == "basic":
            session.auth = self._basic = _BasicAuth(self._username, self._password.reveal())
        # pypsrp merged the environment's proxy and CA settings into the session when it
        # built it; re-reading the environment (and ~/.netrc) on every request costs
        # more than the request itself.
        session.trust_env = False
        transport.session = session
        return wsman

    def _discard_pool(self, handle: _Pool) -> None:
        """Forget a pool after a failure; the next call opens a new one."""
        with self._pool_lock:
            if self._pool is not handle:
                return  # another call already replaced it
            self._pool = None
        log.info("discarding the PSRP runspace pool of %s", self.host)
        executor = self._executor
        if executor is not None:
            # Best effort: ask the host to delete the old shell, without holding up the caller.
            with contextlib.suppress(RuntimeError):
                executor.submit(_close_quietly, handle)
        else:
            _close_quietly(handle)

    def _close_pool(self) -> None:
        with self._pool_lock:
            handle, self._pool = self._pool, None
        if handle is not None:
            _close_quietly(handle)

    # -- errors ------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        # hvtui's own messages never contain the password; this catches a library
        # echoing it. A very short password would also match ordinary words.
        secret = self._password.reveal()
        return text.replace(secret, "***") if len(secret) >= _REDACT_MIN else text

    def _error(self, kind: type[HvtuiError], cause: str, hint: str) -> HvtuiError:
        return kind(self._redact(cause), host=self.host, hint=self._redact(hint))

    def _failure(self, exc: BaseException, *, opening: bool = False) -> HvtuiError:
        """Map what pypsrp/requests raised to hvtui's error tree."""
        if isinstance(exc, HvtuiError):
            return exc
        if isinstance(exc, AuthenticationError) and "authentication methods" in str(exc):
            return self._error(
                AuthError, f"{self._endpoint} does not offer {self._auth} authentication ({exc})",
                "choose an authentication method the host accepts (the lab: basic over HTTPS; "
                "negotiate, ntlm or credssp over HTTP or HTTPS)",
            )
        credssp_refused = type(exc).__module__.startswith("requests_credssp")  # NTStatus back
        if isinstance(exc, AuthenticationError) or credssp_refused:
            refused_basic = self._basic_not_offered()
            if refused_basic is not None:
                return refused_basic
            return self._error(
                AuthError, f"{self._endpoint} refused the credentials of {self._username!r} "
                           f"({self._auth})",
                "check the user name (user, DOMAIN\\user or user@domain) and the password; "
                "the password is never shown",
            )
        if isinstance(exc, ImportError):
            return self._error(
                ConfigError, f"{self._auth} authentication needs a package that is not "
                             f"installed: {exc}",
                "for kerberos: pip install gssapi (and the system's Kerberos libraries), with "
                "a ticket from kinit; or use ntlm or negotiate",
            )
        if isinstance(exc, WSManFaultError):
            return self._fault(exc)
        if isinstance(exc, WinRMTransportError):
            if exc.code in (401, 403):
                return self._error(AuthError, f"{self._endpoint} answered HTTP {exc.code} for "
                                              f"{self._username!r}",
                                   "check user/password; password is never shown")
            return self._error(ProtocolError, f"{self._endpoint} answered HTTP {exc.code}, not "
                                              "WS-Management",
                               "check the port and that WinRM (not another service) listens there")
        if isinstance(exc, requests.exceptions.RequestException):
            return self._network(exc, opening)
        if isinstance(exc, InvalidPSRPOperation) and "broken" in str(exc).lower():
            return self._error(SessionLost, f"the host broke the runspace pool: {exc}",
                               "the next call opens a new session")
        if type(exc).__module__.startswith("spnego"):
            return self._error(AuthError, f"{self._auth} authentication failed: {exc}",
                               "check user/password and that the host accepts this method; "
                               "password is never shown")
        if isinstance(exc, ET.ParseError | FragmentError | SerializationError | WinRMError
                      | struct.error | UnicodeError | ValueError | LookupError | TypeError
                      | AttributeError):
            return self._error(ProtocolError, f"the reply from {self._endpoint} is not valid "
                                              f"WS-Management/PSRP ({type(exc).__name__}: {exc})",
                               "is WinRM really listening there? a proxy or another service may "
                               "be answering")
        return self._error(RemoteError, f"unexpected failure talking to {self._endpoint}: "
                                        f"{type(exc).__name__}: {exc}",
                           "retry; if it persists, report it with the log")

    def _basic_not_offered(self) -> HvtuiError | None:
        """The error for a host that refused Basic because it does not offer it, if so."""
        offered = self._basic.offered if self._basic is not None else None
        if offered is None or "basic" in offered.lower():
            return None
        if self._scheme == "http":
            return self._error(
                AuthError, f"{self._endpoint} does not accept Basic authentication over plain "
                           f"HTTP (it offers: {offered or 'nothing'})",
                "WinRM refuses unencrypted messages by default (AllowUnencrypted): use scheme "
                "'https', or auth 'negotiate' or 'ntlm', which encrypt messages over HTTP",
            )
        return self._error(
            AuthError, f"{self._endpoint} does not accept Basic authentication (it offers: "
                       f"{offered or 'nothing'})",
            "use auth 'negotiate' (or enable Basic on the host: winrm set "
            "winrm/config/service/auth @{Basic=\"true\"})",
        )

    def _fault(self, exc: WSManFaultError) -> HvtuiError:
        code = exc.code if isinstance(exc.code, int) else -1
        reason = exc.reason or str(exc)
        if code == _FAULT_SHELL_NOT_FOUND:
            return self._error(SessionLost, "the host no longer has this PowerShell session",
                               "the next call opens a new one")
        if code == _FAULT_ACCESS_DENIED:
            return self._error(AuthError, f"access denied for {self._username!r}: {reason}",
                               "the account must be an administrator or in Remote Management "
                               "Users on the host")
        if code == _FAULT_TIMED_OUT:
            return self._error(RemoteTimeout, f"the host's WinRM service timed out: {reason}",
                               "the host may be overloaded; try again")
        shown = f"0x{code:08X}" if code >= 0 else str(exc.code)
        return self._error(RemoteError, f"the host's WinRM service refused the request: {reason} "
                                        f"(fault {shown})",
                           "see the Windows Remote Management event log on the host")

    def _network(self, exc: requests.exceptions.RequestException, opening: bool) -> HvtuiError:
        endpoint = f"{self._address}:{self._port}"
        chain = list(_exception_chain(exc))
        root = str(chain[-1]) if chain else str(exc)
        verify = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
        if verify is not None:
            return self._error(
                ConnectError, f"the TLS certificate of {endpoint} is not trusted "
                              f"({verify.verify_message or verify})",
                "pass the host's CA certificate as ca_bundle, or pin its SHA-256 thumbprint "
                "with cert_thumbprint",
            )
        if any("Fingerprints did not match" in str(e) for e in chain):
            return self._error(
                ConnectError, f"the TLS certificate of {endpoint} does not match the pinned "
                              "thumbprint",
                "check cert_thumbprint: the host's certificate changed, or something is "
                "intercepting the connection",
            )
        if isinstance(exc, _DeadlinePassed):
            return self._error(RemoteTimeout, f"{endpoint} did not answer within the call's "
                                              "timeout", "raise the timeout or try again")
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return self._error(ConnectError, f"no answer from {endpoint} within "
                                             f"{self._connect_timeout:g} s",
                               "check the address, the port and the firewall")
        if any(isinstance(e, urllib3.exceptions.NameResolutionError) for e in chain):
            return self._error(ConnectError, f"cannot resolve {self._address}",
                               "check the host name or DNS")
        if any(isinstance(e, ConnectionRefusedError) for e in chain):
            return self._error(
                ConnectError, f"{endpoint} refused the connection",
                f"is WinRM listening on port {self._port}? `winrm quickconfig` / check firewall",
            )
        if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
            return self._error(ConnectError, f"cannot reach {endpoint} ({root})",
                               "check the address, the network and the firewall")
        if isinstance(exc, requests.exceptions.ReadTimeout) and opening:
            return self._error(
                ConnectError, f"{endpoint} accepted the connection but gave no WinRM answer "
                              "while the session was opening",
                f"check that WinRM listens on port {self._port} (HTTPS 5986, HTTP 5985) with "
                "that scheme, and that the host is not hung",
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return self._error(SessionLost, f"{endpoint} stopped answering mid-call",
                               "the host or the network may be overloaded; the next call "
                               "reconnects")
        if isinstance(exc, requests.exceptions.SSLError) and not any(
            isinstance(e, ssl.SSLEOFError | ssl.SSLZeroReturnError | ConnectionResetError)
            for e in chain
        ):
            return self._error(ConnectError, f"the TLS handshake with {endpoint} failed ({root})",
                               "check that the port serves HTTPS (WinRM uses 5986) and the "
                               "scheme setting")
        if isinstance(exc, requests.exceptions.ConnectionError
                      | requests.exceptions.ChunkedEncodingError):
            if opening:
                # Closed before the session existed: often HTTP sent to an HTTPS port.
                return self._error(SessionLost, f"{endpoint} closed the connection while the "
                                                f"session was opening ({root})",
                                   "check the scheme (WinRM: HTTPS on 5986, HTTP on 5985); "
                                   "the next call tries again")
            return self._error(SessionLost, f"the connection to {endpoint} broke mid-call ({root})",
                               "the next call opens a new session; check the host if it repeats")
        return self._error(ProtocolError, f"unreadable HTTP reply from {endpoint} ({root})",
                           "is WinRM really listening there? a proxy may be answering")


# -- helpers ----------------------------------------------------------------------


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it could resolve anywhere


def _normalise_thumbprint(value: str, host: str) -> str:
    digits = re.sub(r"[\s:]", "", value).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digits):
        raise ConfigError(
            "cert_thumbprint must be the SHA-256 of the host's certificate (64 hex digits)",
            host=host,
            hint="Windows shows SHA-1 thumbprints (40 digits); compute SHA-256, e.g. "
                 "`openssl x509 -noout -fingerprint -sha256`",
        )
    return digits


def _close_quietly(handle: _Pool) -> None:
    try:
        with _until(time.monotonic() + _CLOSE_WAIT):
            handle.pool.close()
    except Exception as exc:  # noqa: BLE001 - the host may be gone; the pool is forgotten anyway
        log.debug("deleting a PSRP shell failed: %s", type(exc).__name__)
    with contextlib.suppress(Exception):
        handle.wsman.close()


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [arg for arg in current.args if isinstance(arg, BaseException)]
        stack.extend(e for e in linked if isinstance(e, BaseException))


def _forward_progress(
    ps: PowerShell, seen: int, sink: Callable[[ProgressRecord], None] | None
) -> int:
    records = ps.streams.progress
    if sink is not None:
        for record in records[seen:]:
            sink(progress_record(record))
    return len(records)


def _result(ps: PowerShell) -> PSResult:
    """Everything a finished pipeline produced, as plain data."""
    try:
        return PSResult(
            objects=[plain_object(item) for item in ps.output],
            errors=[error_record(e) for e in ps.streams.error],
            warnings=[str(getattr(w, "message", "") or "") for w in ps.streams.warning],
            progress=[progress_record(p) for p in ps.streams.progress],
            # A pipeline the host stopped did not complete either.
            had_errors=bool(ps.had_errors) or ps.state == PSInvocationState.STOPPED,
        )
    except ET.ParseError as exc:
        raise SerializationError(f"unreadable CLIXML in the output: {exc}") from exc
