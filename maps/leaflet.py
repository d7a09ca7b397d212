"""Leaflet and the project's map script, shipped with the package so that maps work offline.

``maps/static/leaflet/`` holds Leaflet 1.9.4 (``leaflet.js``, ``leaflet.css``, the control and
marker images, and its BSD-2-Clause ``LICENSE``), taken unchanged from the ``leaflet`` npm
package. ``maps/static/samkorsel-map.js`` draws a map from the data :mod:`maps.webmap` prepares.

Standalone HTML files (``samkorsel plan --map``, ``samkorsel demo``) inline these files
(:func:`inline_assets`), so a file opened from disk needs nothing else; the API's web pages load
them from its static route (:func:`linked_assets`).
"""

from __future__ import annotations

import base64
import re
import shutil
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
"""Static files of the maps (served by the API under ``/static/maps``)."""

LEAFLET_DIR = STATIC_DIR / "leaflet"
LEAFLET_VERSION = "1.9.4"
MAP_SCRIPT = STATIC_DIR / "samkorsel-map.js"
MAP_CSS = STATIC_DIR / "samkorsel-map.css"

_CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _safe_script(text: str) -> str:
    # Inside an inline <script>, "</script" would end the element early.
    return text.replace("</script", "<\\/script")


@cache
def inline_assets() -> str:
    """``<style>``/``<script>`` elements with Leaflet and the map script inlined (for a page
    that must work from a file, offline). Leaflet's CSS images become ``data:`` URIs."""

    def data_uri(match: re.Match[str]) -> str:
        png = (LEAFLET_DIR / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = _CSS_URL.sub(data_uri, _read(LEAFLET_DIR / "leaflet.css"))
    return (f"<style>{css}\n{_read(MAP_CSS)}</style>\n"
            f"<script>{_safe_script(_read(LEAFLET_DIR / 'leaflet.js'))}</script>\n"
            f"<script>{_safe_script(_read(MAP_SCRIPT))}</script>")


def linked_assets(prefix: str) -> str:
    """``<link>``/``<script>`` elements loading Leaflet and the map script from ``prefix``
    (the URL where :data:`STATIC_DIR` is served, e.g. ``/static/maps``)."""
    base = prefix.rstrip("/")
    return (f'<link rel="stylesheet" href="{base}/leaflet/leaflet.css">\n'
            f'<link rel="stylesheet" href="{base}/samkorsel-map.css">\n'
            f'<script src="{base}/leaflet/leaflet.js"></script>\n'
            f'<script src="{base}/samkorsel-map.js"></script>')


def copy_assets(target: Path | str) -> Path:
    """Copy Leaflet (with its licence) and the map script into the folder ``target``
    (created); returns it. For pages that reference the files next to them."""
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(LEAFLET_DIR, out / "leaflet", dirs_exist_ok=True)
    shutil.copy2(MAP_SCRIPT, out / MAP_SCRIPT.name)
    shutil.copy2(MAP_CSS, out / MAP_CSS.name)
    return out
