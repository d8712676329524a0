"""SOAP envelopes for the lab's WS-Management endpoint ([MS-WSMV]).

Parses the requests a WinRM client (pypsrp, PowerShell) sends and builds the
replies and faults a Windows WinRM service returns, with the same namespaces,
actions and fault codes, so the client needs no special case for the lab.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsman": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "wsmv": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "wst": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "wsmanfault": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "pwsh": "http://schemas.microsoft.com/powershell",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
for _prefix, _uri in NS.items():
    if _prefix != "xml":
        ET.register_namespace(_prefix, _uri)

_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

ACTIONS = {
    _TRANSFER + "Create": "Create",
    _TRANSFER + "Delete": "Delete",
    _TRANSFER + "Get": "Get",
    _SHELL + "Command": "Command",
    _SHELL + "Receive": "Receive",
    _SHELL + "Send": "Send",
    _SHELL + "Signal": "Signal",
}
"""Action URI -> operation name, for the operations the lab serves."""

RESPONSE_ACTIONS = {
    "Create": _TRANSFER + "CreateResponse",
    "Delete": _TRANSFER + "DeleteResponse",
    "Get": _TRANSFER + "GetResponse",
    "Command": _SHELL + "CommandResponse",
    "Receive": _SHELL + "ReceiveResponse",
    "Send": _SHELL + "SendResponse",
    "Signal": _SHELL + "SignalResponse",
}

COMMAND_STATE_DONE = _SHELL + "CommandState/Done"
COMMAND_STATE_RUNNING = _SHELL + "CommandState/Running"
SIGNAL_TERMINATE = _SHELL + "signal/Terminate"
SIGNAL_PS_CTRL_C = "powershell/signal/ctrl_c"
SHELL_RESOURCE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
POWERSHELL_RESOURCE_PREFIX = "http://schemas.microsoft.com/powershell/"

_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def q(prefix: str, name: str) -> str:
    """A qualified ElementTree tag, e.g. ``q("rsp", "Shell")``."""
    return f"{{{NS[prefix]}}}{name}"


class SoapFault(Exception):
    """A WS-Management fault to send back instead of a reply."""

    def __init__(self, code: int, subcode: str, message: str, *, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        """The WSManFault ``Code`` (a Win32 / WinRM HRESULT as an unsigned int)."""
        self.subcode = subcode
        """The SOAP subcode, e.g. ``w:TimedOut``."""
        self.message = message
        self.sender = sender
        """True when the client's request was at fault (s:Sender), else s:Receiver."""


# The fault codes and texts a Windows WinRM service uses for these conditions.
def operation_timed_out() -> SoapFault:
    return SoapFault(
        0x80338029, "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified in "
        "OperationTimeout.", sender=False,
    )


def shell_not_found(shell_id: str) -> SoapFault:
    return SoapFault(
        0x8033805B, "w:InvalidSelectors",
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the "
        "shell was not found on the server. Possible causes are: the specified ShellId is "
        "incorrect or the shell no longer exists on the server. Provide the correct ShellId or "
        "create a new shell and retry the operation.",
    )


def invalid_request(message: str) -> SoapFault:
    return SoapFault(0x80070057, "w:InvalidParameter", message)  # E_INVALIDARG


def not_supported(message: str) -> SoapFault:
    return SoapFault(0x80004001, "wsa:ActionNotSupported", message)  # E_NOTIMPL


@dataclass(slots=True)
class Request:
    """The parts of a WS-Management request the lab acts on."""

    action: str
    operation: str | None
    """Short name from :data:`ACTIONS`, or None for an action the lab does not serve."""
    message_id: str
    resource_uri: str
    selectors: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    operation_timeout: float | None = None
    max_envelope_size: int | None = None
    body: ET.Element | None = None


def parse_request(data: bytes) -> Request:
    """Parse a SOAP request; raise :class:`SoapFault` when it is not WS-Management."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise invalid_request(f"The request is not well-formed XML: {exc}") from None
    if root.tag != q("s", "Envelope"):
        raise invalid_request("The request is not a SOAP 1.2 envelope.")
    header = root.find("s:Header", NS)
    if header is None:
        raise invalid_request("The SOAP envelope has no Header.")
    action = _text(header, "wsa:Action")
    message_id = _text(header, "wsa:MessageID")
    if not action or not message_id:
        raise invalid_request("The request has no wsa:Action or wsa:MessageID header.")
    request = Request(
        action=action,
        operation=ACTIONS.get(action),
        message_id=message_id,
        resource_uri=_text(header, "wsman:ResourceURI"),
        body=root.find("s:Body", NS),
    )
    for selector in header.findall("wsman:SelectorSet/wsman:Selector", NS):
        request.selectors[selector.get("Name", "")] = (selector.text or "").strip()
    for option in header.findall("wsman:OptionSet/wsman:Option", NS):
        request.options[option.get("Name", "")] = (option.text or "").strip()
    timeout = _text(header, "wsman:OperationTimeout")
    if timeout:
        request.operation_timeout = parse_duration(timeout)
    size = _text(header, "wsman:MaxEnvelopeSize")
    if size.isdigit():
        request.max_envelope_size = int(size)
    return request


def parse_duration(text: str) -> float:
    """Seconds in an xs:duration such as ``PT20S`` or ``PT1M30.5S``."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise invalid_request(f"{text!r} is not a valid xs:duration.")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def _text(parent: ET.Element, path: str) -> str:
    element = parent.find(path, NS)
    return (element.text or "").strip() if element is not None else ""


def envelope(action: str, relates_to: str, body_children: list[ET.Element]) -> bytes:
    """A reply envelope relating to the request's MessageID."""
    root = ET.Element(q("s", "Envelope"))
    header = ET.SubElement(root, q("s", "Header"))
    ET.SubElement(header, q("wsa", "Action")).text = action
    ET.SubElement(header, q("wsa", "MessageID")).text = f"uuid:{str(uuid.uuid4()).upper()}"
    ET.SubElement(header, q("wsa", "To")).text = ANONYMOUS
    ET.SubElement(header, q("wsa", "RelatesTo")).text = relates_to
    body = ET.SubElement(root, q("s", "Body"))
    body.extend(body_children)
    return _serialized(root)


def fault_envelope(fault: SoapFault, relates_to: str | None, machine: str) -> bytes:
    """The SOAP fault WinRM sends (with an HTTP 500) for ``fault``."""
    root = ET.Element(q("s", "Envelope"))
    header = ET.SubElement(root, q("s", "Header"))
    ET.SubElement(header, q("wsa", "Action")).text = FAULT_ACTION
    ET.SubElement(header, q("wsa", "MessageID")).text = f"uuid:{str(uuid.uuid4()).upper()}"
    ET.SubElement(header, q("wsa", "To")).text = ANONYMOUS
    if relates_to:
        ET.SubElement(header, q("wsa", "RelatesTo")).text = relates_to
    body = ET.SubElement(root, q("s", "Body"))
    soap_fault = ET.SubElement(body, q("s", "Fault"))
    code = ET.SubElement(soap_fault, q("s", "Code"))
    ET.SubElement(code, q("s", "Value")).text = "s:Sender" if fault.sender else "s:Receiver"
    subcode = ET.SubElement(code, q("s", "Subcode"))
    ET.SubElement(subcode, q("s", "Value")).text = fault.subcode
    reason = ET.SubElement(soap_fault, q("s", "Reason"))
    ET.SubElement(reason, q("s", "Text"), {q("xml", "lang"): "en-US"}).text = fault.message
    detail = ET.SubElement(soap_fault, q("s", "Detail"))
    wsman_fault = ET.SubElement(
        detail, q("wsmanfault", "WSManFault"), {"Code": str(fault.code), "Machine": machine}
    )
    ET.SubElement(wsman_fault, q("wsmanfault", "Message")).text = fault.message
    return _serialized(root)


def _serialized(root: ET.Element) -> bytes:
    """The document as UTF-8 bytes, without an XML declaration."""
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return data
