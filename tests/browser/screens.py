"""Screenshots of the main screens: always to test-results/screenshots/, and to docs/screenshots/
(the README's "Screens") when UPDATE_SCREENSHOTS=1."""

import os
from pathlib import Path

from django.conf import settings
from PIL import Image

RESULTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def save_screenshot(page, name: str) -> Path:
    """A viewport-sized PNG of the page named `name`.png; returns where the test run kept it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        # 256 flat colours (no dithering) look the same for a page of text and keep each README
        # image well under 150 KB.
        Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE).save(DOCS / f"{name}.png", optimize=True)
    return path
