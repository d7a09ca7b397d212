"""A driver's manifest as a printable A4 PDF (fpdf2, core Helvetica font: Danish æ, ø, å are
Latin-1), with a PNG route map per driving run (:mod:`maps.png`)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from maps import Position
from maps.png import manifest_run_png
from routing.network.roads import RoadNetwork

_PDF_REPLACEMENTS = {"–": "-", "—": "-", "→": "->", "…": "...", "’": "'", "“": '"', "”": '"',
                     "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe"}


def pdf_text(text: str) -> str:
    """Text the core PDF fonts can show: Latin-1 (æ, ø, å, é …); other letters lose accents."""
    for a, b in _PDF_REPLACEMENTS.items():
        text = text.replace(a, b)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _ManifestPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, pdf_text(f"{self.footer_text}  ·  side {self.page_no()}"), align="R")


def render_manifest_pdf(
    manifest: dict[str, Any],
    *,
    lines: dict[str, Sequence[Position]] | None = None,
    network: RoadNetwork | None = None,
) -> bytes:
    """The manifest as a printable A4 PDF.

    Cancelled riders are struck through and marked "AFBUD"; each driving run gets a route map,
    a PNG from :func:`maps.png.manifest_run_png`: the run's ``route`` (or the road line in
    ``lines``; straight lines between the stops without either), numbered stops, the
    attribution, and the surrounding roads when ``network`` is given.

    Parameters
    ----------
    manifest
        From :func:`maps.manifest.data.build_manifest`.
    lines
        Optional ``run_id → [(lon, lat), …]`` road lines.
    network
        Optional road network, drawn under the routes.

    Returns
    -------
    bytes
        The PDF file (starts with ``%PDF``).
    """
    labels = manifest["labels"]
    pdf = _ManifestPDF(orientation="P", unit="mm", format="A4")
    pdf.footer_text = f"{manifest['title']} {manifest['vehicle_id']} {manifest['date']}"
    pdf.set_title(pdf_text(f"{manifest['title']} {manifest['vehicle_id']} {manifest['date']}"))
    pdf.set_creator("Samkørsel")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, pdf_text(f"{manifest['title']} – {labels['vehicle']} "
                            f"{manifest['vehicle_id']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 11)
    sub = manifest["date_text"].capitalize()
    if manifest.get("driver"):
        sub += f"  ·  {labels['driver']}: {manifest['driver']}"
    pdf.cell(0, 6, pdf_text(sub), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not manifest["runs"]:
        pdf.ln(4)
        pdf.cell(0, 6, pdf_text(labels["no_runs"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    widths = (18, 30, 52, 45, 45)
    for run in manifest["runs"]:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        head = (f"{labels['run']} {run['run_id']}: {run['direction_text']} "
                f"({', '.join(run['centres'])})  {run['start']}–{run['end']}")
        pdf.cell(0, 7, pdf_text(head), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if run["cancelled"]:
            pdf.set_font("Helvetica", "B", 11)
            pdf.set_text_color(180, 0, 0)
            pdf.cell(0, 6, pdf_text(run["status_text"].upper()), new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "B", 9)
        pdf.set_fill_color(230, 230, 230)
        for width, key in zip(widths, ("time", "kind", "address", "name", "needs"), strict=True):
            pdf.cell(width, 6, pdf_text(labels[key]), border=1, fill=True)
        pdf.ln()
        for stop in run["stops"]:
            address = ", ".join(x for x in (stop["place_name"], stop["address"]) if x)
            rows = stop["riders"] or [None]
            for k, rider in enumerate(rows):
                first = k == 0
                pdf.set_font("Helvetica", "", 9)
                pdf.cell(widths[0], 6, stop["time"] if first else "", border="LR")
                pdf.cell(widths[1], 6, pdf_text(stop["kind_text"]) if first else "", border="LR")
                pdf.cell(widths[2], 6, pdf_text(address[:34]) if first else "", border="LR")
                if rider is None:
                    pdf.cell(widths[3], 6, "", border="LR")
                    pdf.cell(widths[4], 6, "", border="LR")
                else:
                    needs = ", ".join([*rider["needs"], *([rider["notes"]] if rider["notes"]
                                                          else [])])
                    if rider["cancelled"]:
                        pdf.set_font("Helvetica", "S", 9)
                        pdf.set_text_color(120, 120, 120)
                    pdf.cell(widths[3], 6, pdf_text(rider["name"][:28]), border="LR")
                    pdf.set_font("Helvetica", "B" if rider["cancelled"] else "", 9)
                    if rider["cancelled"]:
                        pdf.set_text_color(180, 0, 0)
                    else:
                        pdf.set_text_color(0, 0, 0)
                    pdf.cell(widths[4], 6, pdf_text(
                        "AFBUD" if rider["cancelled"] else needs[:30]), border="LR")
                    pdf.set_text_color(0, 0, 0)
                pdf.ln()
            pdf.cell(sum(widths), 0, "", border="T", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not run["cancelled"] and len(run["stops"]) > 2:
            if pdf.get_y() + 72 > pdf.h - 15:
                pdf.add_page()
            y = pdf.get_y() + 2
            line = (lines or {}).get(run["run_id"]) or [
                (float(p[0]), float(p[1])) for p in run.get("route", [])]
            # A PNG (maps.png): roads, numbered stops and the attribution, 110 x 71.5 mm.
            png = manifest_run_png({**run, "route": [list(p) for p in line]},
                                   network=network, width=880, height=572)
            pdf.image(io.BytesIO(png), x=pdf.l_margin, y=y, w=110, h=71.5)
            pdf.set_xy(pdf.l_margin, y + 73.5)
    return bytes(pdf.output())
