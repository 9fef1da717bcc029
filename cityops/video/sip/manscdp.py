"""MANSCDP bodies (GB/T 28181's XML in a SIP MESSAGE): read the command, write a Catalog query."""

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from cityops.video.documents import parse_xml

CONTENT_TYPE = "Application/MANSCDP+xml"
MAX_BODY = 60 * 1024


@dataclass(frozen=True)
class Command:
    """The envelope of a MANSCDP document: Notify/Response/Query, its CmdType, SN and DeviceID."""

    kind: str
    cmd: str
    sn: str
    device_id: str
    root: Element

    def text(self, tag: str) -> str:
        el = self.root.find(tag)
        return (el.text or "").strip() if el is not None else ""


def read(body: bytes) -> Command:
    """The command in a MESSAGE body; raises CatalogError (a ValidationFailed) if it is not one."""
    root = parse_xml(body, what="the MANSCDP body")

    def text(tag: str) -> str:
        el = root.find(tag)
        return (el.text or "").strip() if el is not None else ""

    return Command(root.tag, text("CmdType"), text("SN"), text("DeviceID"), root)


def catalog_query(*, sn: int, device_id: str) -> bytes:
    """The Query a platform sends after a REGISTER (GB2312-declared, as devices expect)."""
    return (
        '<?xml version="1.0" encoding="GB2312"?>\r\n'
        "<Query>\r\n"
        "<CmdType>Catalog</CmdType>\r\n"
        f"<SN>{sn}</SN>\r\n"
        f"<DeviceID>{device_id}</DeviceID>\r\n"
        "</Query>\r\n"
    ).encode("gb18030")
