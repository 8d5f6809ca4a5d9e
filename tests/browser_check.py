"""Headless-browser checks of a ruralnet map page (used by tests/test_maps.py).

Drives Debian's ``chromium`` through Playwright's Python package without
Playwright's own browser download. Every request that is not the page itself
is aborted, so the check never touches the network; failed base-tile requests
are the only console errors tolerated.

Run by hand on a saved map::

    python tests/browser_check.py map.html
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SELECTORS = {"routes": "path.rn-route", "villages": "path.rn-village", "sites": ".rn-site",
             "boundary": "path.rn-boundary", "townships": "path.rn-township"}


def tile_hosts() -> set[str]:
    """Host-name suffixes of the base-tile servers ruralnet.outputs.maps offers."""
    from ruralnet.outputs.maps import TILES

    hosts = set()
    for url, *_ in TILES.values():
        host = urlsplit(url.replace("{s}", "a")).hostname or ""
        hosts.add(host.split(".", 1)[1] if host.count(".") > 1 else host)
    return hosts


@dataclass
class MapInspection:
    """What the browser saw on a map page."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    banner_visible: bool = False
    legend_visible: bool = False
    popup_texts: str = ""
    popup_html_tags: int = 0


@contextlib.contextmanager
def launch(executable: str = "/usr/bin/chromium") -> Iterator[Any]:
    """Start headless chromium at ``executable`` and yield the Playwright browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _only_local(route: Any) -> None:
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


_OPEN_ALL = """sel => {
  const texts = new Set(); let tags = 0;
  for (const el of document.querySelectorAll(sel)) {
    for (const type of ['mouseover', 'click']) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true, clientX: 300, clientY: 300}));
    }
    for (const box of document.querySelectorAll('.leaflet-popup-content, .leaflet-tooltip')) {
      texts.add(box.innerText);
      tags += box.querySelectorAll('script, img, iframe, [onerror]').length;
    }
  }
  return [[...texts].join('\\n'), tags];
}"""


def inspect_map(browser: Any, path: Path, *, timeout_ms: int = 15000) -> MapInspection:
    """Load ``path`` in a fresh page, open every popup and tooltip, and report what happened."""
    seen = MapInspection()
    hosts = tile_hosts()

    def on_console(msg: Any) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if "Failed to load resource" in msg.text and any(h in url for h in hosts):
            return  # a base tile: no internet here
        seen.errors.append(f"{msg.text} @ {url}")

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.on("console", on_console)
        page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
        page.on("dialog", on_dialog)
        page.route("**/*", _only_local)
        page.goto(Path(path).resolve().as_uri(), timeout=timeout_ms)
        page.wait_for_selector(".leaflet-container", timeout=timeout_ms)
        page.wait_for_load_state("load", timeout=timeout_ms)
        seen.counts = {k: page.locator(sel).count() for k, sel in SELECTORS.items()}
        banner = page.locator("#rn-synthetic-banner")
        seen.banner_visible = banner.count() == 1 and banner.is_visible()
        seen.legend_visible = page.locator("#rn-legend").is_visible()
        texts, tags = [], 0
        for sel in SELECTORS.values():
            text, n = page.evaluate(_OPEN_ALL, sel)
            texts.append(text)
            tags += n
        seen.popup_texts, seen.popup_html_tags = "\n".join(texts), tags
        page.wait_for_timeout(100)  # let any injected handler fire before we look
    finally:
        page.close()
    return seen


@dataclass
class MapView:
    """Where the map opened: the county's box in pixels and the township labels shown."""

    viewport: tuple[int, int] = (0, 0)
    county_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x0, y0, x1, y1 px
    labels_shown: list[str] = field(default_factory=list)
    labels_after_zoom_out: int = 0


def inspect_view(browser: Any, path: Path, *, size: tuple[int, int] = (1200, 800),
                 timeout_ms: int = 15000) -> MapView:
    """Open ``path``; measure the county outline's pixel box and the visible township labels."""
    view = MapView(viewport=size)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.route("**/*", _only_local)
        page.goto(Path(path).resolve().as_uri(), timeout=timeout_ms)
        page.wait_for_selector("path.rn-boundary", timeout=timeout_ms)
        page.wait_for_timeout(400)
        box = page.locator("path.rn-boundary").first.bounding_box()
        view.county_box = (box["x"], box["y"], box["x"] + box["width"],
                           box["y"] + box["height"])
        view.labels_shown = page.evaluate(
            "[...document.querySelectorAll('.rn-town-label span')]"
            ".filter(e => e.offsetParent !== null).map(e => e.textContent)")
        page.evaluate("(() => { const m = Object.values(window).find("
                      "v => v && v instanceof L.Map); m.setZoom(m.getZoom() - 2, "
                      "{animate: false}); })()")
        page.wait_for_timeout(300)
        view.labels_after_zoom_out = page.evaluate(
            "[...document.querySelectorAll('.rn-town-label span')]"
            ".filter(e => e.offsetParent !== null).length")
    finally:
        page.close()
    return view


if __name__ == "__main__":  # pragma: no cover - manual use
    with launch() as b:
        print(inspect_map(b, Path(sys.argv[1])))
