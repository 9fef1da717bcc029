"""Print, as .po entries to translate, the msgids of the code and templates that the Chinese
catalogue lacks (the same search as tests/core/test_translations.py). Append them to
cityops/locale/zh_Hans/LC_MESSAGES/django.po, fill each msgstr, then compile:
msgfmt --check-format -o django.mo django.po
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from test_translations import LOCALE, entries  # noqa: E402


def quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(
            ROOT / "cityops",
            tmp / "cityops",
            ignore=shutil.ignore_patterns("vendor", "locale", "__pycache__", "*.sqlite3", "*.png", "*.ico"),
        )
        (tmp / "locale").mkdir()
        os.chdir(tmp)
        with override_settings(LOCALE_PATHS=[str(tmp / "locale")]):
            call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
        found = entries(tmp / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    catalogue = entries(LOCALE / "django.po")
    for ctx, msgid in sorted(k for k in found if k not in catalogue):
        print()
        if ctx:
            print(f'msgctxt "{quote(ctx)}"')
        print(f'msgid "{quote(msgid)}"')
        print('msgstr ""')


if __name__ == "__main__":
    main()
