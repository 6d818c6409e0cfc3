"""Draws the app icons: static/icons/icon.svg by hand below, and the PNGs phones need
rendered from it by Debian's Chromium (no image library needed). Run it again after
changing the drawing, and commit the outputs:

    .venv/bin/python scripts/make_icons.py
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ICONS = ROOT / "static" / "icons"
BRAND = "#005a70"

# Five vertebrae in a gentle curve: a back, in the site's colours.
SPINE = "".join(
    f'<rect x="{256 + dx - 78}" y="{y}" width="156" height="50" rx="22" fill="#fff"/>'
    for dx, y in [(-16, 112), (4, 174), (18, 236), (4, 298), (-16, 360)]
)


def svg(maskable: bool) -> str:
    # A maskable icon fills its square: the phone cuts its own shape from it, keeping
    # the middle 80%, where the drawing stays.
    background = (
        f'<rect width="512" height="512" fill="{BRAND}"/>'
        if maskable
        else f'<rect width="512" height="512" rx="104" fill="{BRAND}"/>'
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" '
        f'height="512">{background}{SPINE}</svg>\n'
    )


def main() -> None:
    (ICONS / "icon.svg").write_text(svg(maskable=False))
    outputs = [("icon-192.png", 192, False), ("icon-512.png", 512, False)]
    outputs.append(("icon-maskable-512.png", 512, True))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, size, maskable in outputs:
            page = browser.new_page(viewport={"width": size, "height": size})
            drawing = svg(maskable).replace('width="512" height="512">', 'width="100%">', 1)
            page.set_content(f'<body style="margin:0">{drawing}</body>')
            page.locator("svg").screenshot(path=str(ICONS / name), omit_background=True)
            page.close()
        browser.close()
    for path in sorted(ICONS.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
