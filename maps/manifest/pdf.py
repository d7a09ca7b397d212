"""Manifests and centre rider lists as A4 PDFs: the printable HTML of :mod:`maps.manifest.html`
rendered by WeasyPrint with its print stylesheet, so the PDF and the page have one layout (the
same stop numbers, agreed times and wrapped texts; the run's map kept with its table).

WeasyPrint needs Pango from the system (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``) and a
font with the Danish letters (``fonts-dejavu-core``); see the README."""

from __future__ import annotations

import logging
import time
from typing import Any

from maps.manifest.html import render_centre_list_html, render_manifest_html

log = logging.getLogger(__name__)


def html_to_pdf(html: str) -> bytes:
    """A self-contained HTML document as PDF bytes (print media, A4 from its ``@page``).

    No ``base_url``: the documents carry everything inline (styles, SVG maps), so nothing is
    fetched from disk or network while rendering."""
    # Imported here: loading WeasyPrint (and Pango through it) costs ~0.5 s, paid only by the
    # processes that make PDFs.
    from weasyprint import HTML

    started = time.perf_counter()
    pdf: bytes = HTML(string=html).write_pdf()
    log.debug("PDF rendered in %.0f ms (%d bytes)", 1000 * (time.perf_counter() - started),
              len(pdf))
    return pdf


def render_manifest_pdf(manifest: dict[str, Any]) -> bytes:
    """The manifest (from :func:`maps.manifest.data.build_manifest`) as an A4 PDF: the HTML of
    :func:`~maps.manifest.html.render_manifest_html`, printed."""
    return html_to_pdf(render_manifest_html(manifest))


def render_centre_list_pdf(rider_list: dict[str, Any]) -> bytes:
    """The centre rider list (from :func:`maps.manifest.data.build_centre_list`) as an A4 PDF:
    the HTML of :func:`~maps.manifest.html.render_centre_list_html`, printed."""
    return html_to_pdf(render_centre_list_html(rider_list))
