"""Manifests and centre rider lists as printable HTML (Danish, A4, self-contained; Jinja2
templates in ``maps/templates/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
