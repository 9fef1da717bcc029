"""Screenshot one cityops page as a signed-in user, for the README and the docs.

    python scripts/screenshot.py --url http://127.0.0.1:8000 --user duty --password … \
        --page /map/ --wait "#map[data-ready=true]" --out docs/img/map.png

Needs Debian's Chromium (/usr/bin/chromium) and fonts-noto-cjk for the Chinese text.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where cityops runs")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--page", default="/map/")
    parser.add_argument("--wait", default="#map[data-ready=true]", help="CSS selector to wait for")
    parser.add_argument("--out", default="docs/img/map.png")
    parser.add_argument("--size", default="1366x768", help="viewport WIDTHxHEIGHT")
    parser.add_argument("--locale", default="zh-CN")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=args.url, locale=args.locale, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        page.goto(args.page)
        if args.wait:
            page.wait_for_selector(args.wait)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
