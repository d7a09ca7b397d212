"""PNG route maps (Pillow) for printed manifests and phones."""

from __future__ import annotations

import io

from PIL import Image

from maps.png import manifest_run_png, route_png
from routing.network.roads import RoadNetwork

LINE = [(10.5880, 55.8275), (10.5910, 55.8305), (10.5935, 55.8320), (10.5960, 55.8290)]
STOPS = [((10.5910, 55.8305), "1", False), ((10.5935, 55.8320), "2", True),
         ((10.5960, 55.8290), "3", False)]


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


def _has_colour(image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    small = image.resize((image.width // 2, image.height // 2), Image.Resampling.NEAREST)
    return any(all(abs(c - t) <= tolerance for c, t in zip(pixel, rgb, strict=True))
               for pixel in small.getdata())


def test_route_png_draws_route_stops_and_attribution(samso_network: RoadNetwork) -> None:
    image = _image(route_png(LINE, STOPS, network=samso_network, width=400, height=300,
                             title="Tur 1"))
    assert image.size == (400, 300)
    assert _has_colour(image, (31, 119, 180))  # the route
    assert _has_colour(image, (214, 39, 40))  # a stop
    assert _has_colour(image, (170, 170, 170))  # the cancelled stop
    # The attribution sits on a white box in the bottom right corner.
    corner = image.crop((250, 285, 398, 298))
    assert _has_colour(corner, (255, 255, 255), 2) and _has_colour(corner, (50, 50, 50), 40)


def test_route_png_without_line_or_stops() -> None:
    assert _image(route_png([], STOPS)).size == (800, 520)
    assert _image(route_png([], [])).size == (800, 520)
    one = [((10.59, 55.83), "1", False)]
    assert _image(route_png([], one, width=200, height=150)).size == (200, 150)


def test_manifest_run_png() -> None:
    run = {"run_id": "mon-to-V1", "start": "08:40", "end": "08:50",
           "direction_text": "Til centret", "route": [list(p) for p in LINE],
           "stops": [{"seq": i, "lon": lon, "lat": lat, "cancelled": i == 2}
                     for i, (lon, lat) in enumerate(LINE)]}
    image = _image(manifest_run_png(run, width=300, height=200))
    assert image.size == (300, 200)
