"""An action's parameters, from a GET query string or a POST JSON body alike, read as CKAN's
validators read them: numbers and booleans may come as strings, lists as lists or comma-separated
strings, objects as objects or JSON text. Anything that does not fit is a Validation Error naming it."""

import json

from django.utils.translation import gettext as _

from cityops.databrain.ckan.errors import BadRequest, invalid

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}


def request_data(request) -> dict:
    """The parameters: the JSON object of a POST body (or a form), else the query string; a key
    given several times in a query string becomes a list."""
    if request.method == "POST" and request.body:
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _mixed(request.POST)
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(_("JSON Error: the body is not JSON (%(error)s)") % {"error": exc}) from exc
        if not isinstance(data, dict):
            raise BadRequest(
                _("JSON Error: the body must be a JSON object, not %(kind)s") % {"kind": type(data).__name__}
            )
        return data
    return _mixed(request.GET)


def _mixed(multi) -> dict:
    out = {}
    for key in multi:
        values = multi.getlist(key)
        out[key] = values[0] if len(values) == 1 else values
    return out


class Params:
    """Typed reads of one action's parameters."""

    def __init__(self, data: dict):
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, str | int | float):
            raise invalid(name, _("Must be a string"))
        return str(value).strip()

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.data.get(name, default)
        if value in (None, ""):
            return default
        try:
            if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = int(value)
        except (ValueError, TypeError):
            raise invalid(name, _("Invalid integer")) from None
        if number < minimum:
            raise invalid(
                name, _("Must be a natural number") if minimum == 0 else _("Must be a positive integer")
            )
        return min(number, maximum) if maximum is not None else number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise invalid(name, _("Value must be one of: true, false"))

    def names(self, name: str) -> list[str] | None:
        """A list of names: a JSON list, or text separated by commas; None when not given."""
        value = self.data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(name, _("Must be a list of names or a comma-separated string"))
        return [v.strip().strip('"') for v in value if v.strip()]

    def obj(self, name: str) -> dict | None:
        """A JSON object, given as an object or as JSON text; None when not given."""
        value = self.data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise invalid(name, _("Must be a JSON object")) from None
        if not isinstance(value, dict):
            raise invalid(name, _("Must be a JSON object"))
        return value
