"""Manifests and centre rider lists as printable HTML (Danish, A4, self-contained; Jinja2
templates in ``maps/templates/``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def css_string(text: object) -> Markup:
    """``text`` as a quoted CSS string, safe inside ``<style>`` (where HTML escapes do not
    apply): quotes, backslashes, line breaks and ``<`` as CSS escapes."""
    out = ['"']
    for ch in str(text):
        out.append(f"\\{ord(ch):x} " if ch in '"\\<>\n\r' or ord(ch) < 32 else ch)
    out.append('"')
    return Markup("".join(out))


_PAGE_BODY_MM = 185.0
"""What an A4 page (12/15 mm margins) holds of a run besides its heading, table head and
map (about 85 mm together)."""


def fits_a_page(run: dict[str, Any]) -> bool:
    """Whether a run's table surely fits on one printed page (a generous estimate: 9.5 pt
    lines of 4.2 mm, 2.4 mm cell padding, the narrowest columns' characters per line), so
    that it may start on a new page rather than be cut after its heading or first rows. A
    longer run breaks between stops as usual (moving it would only leave a page empty)."""
    height = 0.0
    for stop in run["stops"]:
        place = ", ".join(x for x in (stop["place_name"], stop["address"]) if x)
        riders = stop["riders"] or [None]
        lines_each = [max(2, math.ceil(len(place) / 22) if i == 0 else 1,
                          math.ceil(len(r["name"]) / 18) if r else 1,
                          math.ceil(len(", ".join(r["needs"]) + r["notes"]) / 18) if r else 1)
                      for i, r in enumerate(riders)]
        height += sum(2.4 + 4.2 * n for n in lines_each)
    return height <= _PAGE_BODY_MM


_ENV: Environment | None = None


def _environment() -> Environment:
    # One environment for the process: it keeps the compiled templates.
    global _ENV
    if _ENV is None:
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["css_string"] = css_string
        _ENV = env
    return _ENV


def render_manifest_html(manifest: dict[str, Any]) -> str:
    """Printable HTML of a manifest from :func:`maps.manifest.data.build_manifest` (Danish,
    A4, self-contained)."""
    template = _environment().get_template("manifest.html")
    runs = [{**run, "map_svg": Markup(run["map_svg"]), "whole": fits_a_page(run)}
            for run in manifest["runs"]]
    return template.render(m={**manifest, "runs": runs})


def render_centre_list_html(rider_list: dict[str, Any]) -> str:
    """Printable HTML of a centre rider list from
    :func:`maps.manifest.data.build_centre_list`."""
    return _environment().get_template("centre_list.html").render(c=rider_list)
