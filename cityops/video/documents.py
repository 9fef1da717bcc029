"""GB/T 28181's XML documents (MANSCDP bodies, Catalog files) read safely: decoded as the XML
declaration says (GB2312 and GBK are read as GB18030, their superset, because devices declare GB2312
and send GBK), with no DTD at all (so no entity expansion, no XML bomb)."""

import re
import xml.etree.ElementTree as ET

from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed

DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
DECL_STRIP_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# Any markup declaration but a comment or CDATA: a DOCTYPE, an ENTITY … (refused, never expanded).
DTD_RE = re.compile(r"<!(?!--|\[CDATA\[)")
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030"}


class CatalogError(ValidationFailed):
    """A catalog that cannot be read at all (not XML, a DTD, a wrong encoding, too big)."""


def decode(data: bytes, *, what: str = "the document") -> str:
    """The text of an XML document in the encoding its declaration names (none: UTF-8, else GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = DECL_RE.match(data)
    if m:
        declared = m.group(1).decode("ascii").lower()
        codec = ENCODINGS.get(declared)
        if codec is None:
            raise CatalogError(
                _("%(what)s: encoding %(encoding)r is not supported (UTF-8, GB2312, GBK, GB18030)")
                % {"what": what, "encoding": declared}
            )
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise CatalogError(
                _(
                    "%(what)s: the bytes are not %(encoding)s as the XML declaration says (byte %(at)s: %(hex)s)"
                )
                % {
                    "what": what,
                    "encoding": declared.upper(),
                    "at": exc.start,
                    "hex": data[exc.start : exc.start + 2].hex(),
                }
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise CatalogError(
                _("%(what)s: the text is neither UTF-8 nor GB18030") % {"what": what}
            ) from None


def parse_xml(data: bytes, *, what: str = "the document") -> ET.Element:
    """The root element of one small XML document, refusing any DTD or entity declaration."""
    text = DECL_STRIP_RE.sub("", decode(data, what=what), count=1)
    if DTD_RE.search(text):
        raise CatalogError(_("%(what)s: a DOCTYPE or ENTITY declaration is not accepted") % {"what": what})
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise CatalogError(
            _("%(what)s: not well-formed XML (%(error)s)") % {"what": what, "error": exc}
        ) from None
