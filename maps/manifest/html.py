"""Manifests and centre rider lists as printable HTML (Danish, A4, self-contained; Jinja2
templates in ``maps/templates/``)."""

from __future__ import annotations

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
    runs = [{**run, "map_svg": Markup(run["map_svg"])} for run in manifest["runs"]]
    return template.render(m={**manifest, "runs": runs})


def render_centre_list_html(rider_list: dict[str, Any]) -> str:
    """Printable HTML of a centre rider list from
    :func:`maps.manifest.data.build_centre_list`."""
    return _environment().get_template("centre_list.html").render(c=rider_list)
