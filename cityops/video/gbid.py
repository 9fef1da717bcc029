"""GB/T 28181 20-digit IDs (编码规则 A): centre code 8 + industry 2 + type 3 + network 1 + serial 6.

The centre code is the GB/T 2260 division of the monitoring centre with unused positions set to 0;
it must lie in the town (``CITYOPS_VIDEO_DIVISIONS``). Every check names what is wrong in words an
operator can act on, because an ID is typed or imported by a person.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

ID_RE = re.compile(r"^\d{20}$")

# Digits 9–10 (the standard's industry table).
INDUSTRIES = {
    "00": _("Public security: roads"),
    "01": _("Public security: communities"),
    "02": _("Public security: internal"),
    "03": _("Public security: other"),
    "04": _("Traffic: roads"),
    "05": _("Traffic: checkpoints"),
    "06": _("Traffic: internal"),
    "07": _("Traffic: other"),
    "08": _("City management"),
    "09": _("Health and environment"),
    "10": _("Inspection and customs"),
    "11": _("Education"),
    "12": _("Civil aviation"),
    "13": _("Railways"),
    "14": _("Shipping"),
    **{str(n): _("Other industries") for n in range(40, 46)},
}

# Digits 11–13: the types this platform registers, with what each is.
DEVICE_TYPES = {
    "111": _("DVR"),
    "112": _("Video server"),
    "113": _("Encoder"),
    "114": _("Decoder"),
    "118": _("NVR"),
    "121": _("Video checkpoint"),
    "130": _("HVR"),
    "131": _("Camera"),
    "132": _("IP camera"),
    "200": _("Platform (central signalling server)"),
    "215": _("Business group"),
    "216": _("Virtual organisation"),
}
# Types a channel (one picture) may have; a device that registers (NVR, DVR, platform) has another.
CHANNEL_TYPES = frozenset({"131", "132"})
DEVICE_REGISTER_TYPES = frozenset({"111", "112", "113", "118", "130", "132", "200"})
GROUP_TYPES = frozenset({"215", "216"})

# Digit 14.
NETWORKS = {
    "0": _("Public-security video network"),
    "1": _("Public-security video network"),
    "2": _("Industry private network"),
    "3": _("Political and legal network"),
    "4": _("Public-security mobile network"),
    "5": _("Public-security information network"),
    "6": _("E-government extranet"),
    "7": _("Internet or other public network"),
    "8": _("Leased line"),
}


class BadId(ValueError):
    """An ID that breaks the rules; the message says which."""


@dataclass(frozen=True)
class GbId:
    value: str

    @property
    def centre(self) -> str:
        return self.value[:8]

    @property
    def industry(self) -> str:
        return self.value[8:10]

    @property
    def type_code(self) -> str:
        return self.value[10:13]

    @property
    def network(self) -> str:
        return self.value[13]

    @property
    def serial(self) -> str:
        return self.value[14:]

    def __str__(self) -> str:
        return self.value


def _division_ok(centre: str) -> bool:
    """A centre code is GB/T 2260 shaped: a province 11–82, then levels that are zero only at the end."""
    if not 11 <= int(centre[:2]) <= 82:
        return False
    pairs = [centre[i : i + 2] for i in range(2, 8, 2)]
    seen_zero = False
    for pair in pairs:
        if pair == "00":
            seen_zero = True
        elif seen_zero:
            return False
    return True


def in_town(centre: str) -> bool:
    """Whether a centre code lies in one of the town's divisions (``CITYOPS_VIDEO_DIVISIONS``)."""
    divisions = settings.CITYOPS_VIDEO_DIVISIONS
    return not divisions or any(centre.startswith(d) or d.startswith(centre.rstrip("0")) for d in divisions)


def parse(value: str, *, types: frozenset[str] | None = None) -> GbId:
    """The ID in ``value``, or BadId naming the first rule it breaks.

    ``types`` narrows the type codes accepted (channels: 131/132; groups: 215/216).
    """
    raw = (value or "").strip()
    if not ID_RE.match(raw):
        if not raw:
            raise BadId(str(_("the ID is empty")))
        if not raw.isdigit():
            raise BadId(str(_("the ID has characters other than digits")))
        raise BadId(str(_("the ID has %(n)d digits, not 20") % {"n": len(raw)}))
    gb = GbId(raw)
    if not _division_ok(gb.centre):
        raise BadId(str(_("digits 1–8 (%(code)s) are not a GB/T 2260 division code") % {"code": gb.centre}))
    if not in_town(gb.centre):
        raise BadId(
            str(
                _("digits 1–8 (%(code)s) name a division outside the town (%(town)s)")
                % {"code": gb.centre, "town": ", ".join(settings.CITYOPS_VIDEO_DIVISIONS)}
            )
        )
    if gb.industry not in INDUSTRIES:
        raise BadId(str(_("digits 9–10 (%(code)s) are not an industry code") % {"code": gb.industry}))
    if gb.type_code not in DEVICE_TYPES:
        raise BadId(str(_("digits 11–13 (%(code)s) are not a known type code") % {"code": gb.type_code}))
    if types is not None and gb.type_code not in types:
        raise BadId(
            str(
                _("digits 11–13 (%(code)s, %(name)s) are not a type allowed here (%(allowed)s)")
                % {
                    "code": gb.type_code,
                    "name": DEVICE_TYPES[gb.type_code],
                    "allowed": ", ".join(sorted(types)),
                }
            )
        )
    if gb.network not in NETWORKS:
        raise BadId(str(_("digit 14 (%(code)s) is not a network code") % {"code": gb.network}))
    return gb


def build(centre: str, industry: str, type_code: str, network: str, serial: int) -> str:
    """An ID from its parts (the demo and the tests make IDs this way)."""
    value = f"{centre:0<8}"[:8] + industry + type_code + network + f"{serial:06d}"
    return parse(value).value
