"""Masking of personal data wherever it is shown or recorded outside its owner's record."""

import re

PERSONAL_FIELDS = frozenset(
    {"phone", "mobile", "id_number", "id_card", "email", "address", "password", "real_name", "name_full"}
)
_SECRET_FIELDS = frozenset({"password", "token", "token_hash", "secret", "credential"})


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(value)


def mask_id_number(value: str) -> str:
    if len(value) >= 8:
        return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
    return "*" * len(value)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_text(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def mask_value(field: str, value):
    """Masked form of value if field names personal data, else value unchanged."""
    if value in (None, ""):
        return value
    name = field.lower()
    if name in _SECRET_FIELDS or name.endswith(("_hash", "password")):
        return "[secret]"
    if name not in PERSONAL_FIELDS:
        return value
    text = str(value)
    if name in {"phone", "mobile"}:
        return mask_phone(text)
    if name in {"id_number", "id_card"}:
        return mask_id_number(text)
    if name == "email":
        return mask_email(text)
    return mask_text(text)


def mask_fields(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {key: mask_value(key, value) for key, value in data.items()}
