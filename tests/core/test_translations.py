"""Every string a user sees is translated: the Chinese catalogue has a translation for every msgid
of the code and templates, none empty or fuzzy, and the compiled catalogue matches it."""

import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "cityops" / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries(path: Path) -> dict[tuple[str | None, str], dict]:
    """(msgctxt, msgid) → {"strs": [msgstr…], "fuzzy": bool} of a .po file (the header left out)."""
    out = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        ctx, msgid, strs, fuzzy, current = None, None, [], False, None
        for line in block.strip().splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if line.startswith("#"):
                continue
            head = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if head:
                current, value = head.groups()
                if current == "msgctxt":
                    ctx = value
                elif current == "msgid":
                    msgid = value
                elif current.startswith("msgstr"):
                    strs.append(value)
            elif line.startswith('"') and current:  # a continuation line
                if current == "msgid":
                    msgid += line[1:-1]
                elif current == "msgctxt":
                    ctx += line[1:-1]
                elif current.startswith("msgstr"):
                    strs[-1] += line[1:-1]
        if msgid:
            out[(ctx, unescape(msgid))] = {"strs": [unescape(s) for s in strs], "fuzzy": fuzzy}
    return out


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """A .po string's escapes (\\n, \\", \\\\) undone."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def test_no_entry_is_empty_or_fuzzy():
    catalogue = entries(LOCALE / "django.po")
    assert len(catalogue) > 500
    untranslated = [msgid for (_, msgid), e in catalogue.items() if any(s == "" for s in e["strs"])]
    fuzzy = [msgid for (_, msgid), e in catalogue.items() if e["fuzzy"]]
    assert not untranslated, f"{len(untranslated)} msgids without a translation: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations to check: {fuzzy[:20]}"


def test_the_compiled_catalogue_matches():
    with (LOCALE / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for (ctx, msgid), e in entries(LOCALE / "django.po").items():
        if len(e["strs"]) != 1:
            continue  # plurals: their singular is enough to tell a stale file
        got = compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)
        if got != e["strs"][0]:
            stale.append(msgid)
    assert not stale, (
        f"django.mo is older than django.po (run cityops compilemessages -l zh_Hans): {stale[:10]}"
    )


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_msgid_of_the_code_is_in_the_catalogue(tmp_path):
    """makemessages over a copy of the sources: nothing it finds is missing from the catalogue."""
    shutil.copytree(
        ROOT / "cityops",
        tmp_path / "cityops",
        ignore=shutil.ignore_patterns("vendor", "locale", "__pycache__", "*.sqlite3", "*.png", "*.ico"),
    )
    (tmp_path / "locale").mkdir()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
            call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(here)
    found = entries(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    catalogue = entries(LOCALE / "django.po")
    missing = sorted(msgid for key in found if key not in catalogue for msgid in [key[1]])
    assert len(found) > 500
    assert not missing, (
        f"{len(missing)} msgids not in django.po (add them with a translation): {missing[:20]}"
    )
