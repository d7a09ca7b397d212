"""Reading OSM files with libosmium (pyosmium): ``.osm.pbf``, a municipality cut, a faster parse.

osmnx parses OSM XML in Python and turns *every* way into graph edges (buildings, land use,
boundaries), so most of a cold load is spent on data the road network never keeps: the Lyngby
extract has 31,744 ways of which 4,747 are drivable. Here libosmium, in C++, first writes the
ways the preparation uses — those tagged ``highway`` and urban ``landuse`` (for the built-up
speed limits) — with their nodes into a small OSM XML file, which the usual preparation
(:func:`routing.network.roads._build_from_xml`) then reads. The prepared network is the same.

The same step reads ``.osm.pbf`` (the format municipalities download) and cuts a region: by the
polygon of an OSM administrative boundary in the file (``name`` of a ``boundary=administrative``
relation, e.g. ``"Lyngby-Taarbæk Kommune"``) or by a GeoJSON polygon; a way is kept when one of
its nodes lies inside (the preparation keeps the largest strongly connected part).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import osmium
import shapely
from shapely.geometry import shape

from routing.errors import NetworkError
from routing.params import NetworkParams

if TYPE_CHECKING:
    from routing.network.roads import RoadNetwork

URBAN_LANDUSE_KEYS = ("highway", "landuse")
"""Way keys the road preparation reads (roads; land use for urban speeds)."""


def municipality_polygon(source: Path, name: str) -> shapely.Geometry:
    """The area of the ``boundary=administrative`` relation called ``name`` in ``source``.

    Raises
    ------
    NetworkError
        If the file has no such boundary (or it cannot be assembled into an area).
    """
    wkb = osmium.geom.WKBFactory()
    parts = []
    fp = osmium.FileProcessor(str(source)).with_areas(
        osmium.filter.TagFilter(("boundary", "administrative")))
    for obj in fp.with_filter(osmium.filter.EntityFilter(osmium.osm.AREA)):
        if (isinstance(obj, osmium.osm.Area) and obj.tags.get("name") == name
                and not obj.from_way()):
            parts.append(shapely.from_wkb(wkb.create_multipolygon(obj)))
    if not parts:
        named = any(r.tags.get("name") == name for r in osmium.FileProcessor(
            str(source), osmium.osm.RELATION).with_filter(
            osmium.filter.TagFilter(("boundary", "administrative"))))
        if named:
            # Typical of a bounding-box extract: the boundary's outer ways leave the box.
            raise NetworkError(f"the administrative boundary {name!r} in {source} is incomplete "
                               "(its ways are not all in the file); use a GeoJSON polygon")
        raise NetworkError(f"no administrative boundary named {name!r} in {source}")
    return shapely.union_all(parts)


def geojson_polygon(path: Path) -> shapely.Geometry:
    """The (multi)polygon of a GeoJSON file: a geometry, a Feature or a FeatureCollection."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NetworkError(f"cannot read GeoJSON {path}: {exc}") from exc
    if doc.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in doc.get("features", [])]
    elif doc.get("type") == "Feature":
        geoms = [shape(doc["geometry"])]
    else:
        geoms = [shape(doc)]
    polygon = shapely.union_all(geoms)
    if polygon.is_empty or polygon.geom_type not in ("Polygon", "MultiPolygon"):
        raise NetworkError(f"GeoJSON {path} holds no polygon")
    return polygon


def road_extract(source: Path, out: Path, polygon: shapely.Geometry | None = None) -> int:
    """Write the ways tagged ``highway`` or ``landuse`` of ``source`` (any format libosmium
    reads: ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``) with their nodes to ``out`` (OSM
    XML). With ``polygon`` (lon/lat), only ways with a node inside it. Returns the ways written.
    """
    prepared = None
    if polygon is not None:
        shapely.prepare(polygon)
        prepared = polygon
    n = 0
    writer = osmium.BackReferenceWriter(str(out), ref_src=str(source), overwrite=True,
                                        remove_tags=False)
    try:
        with writer:
            fp = osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY
                                      | osmium.osm.RELATION)
            if prepared is not None:
                fp = fp.with_locations()
            for obj in fp.with_filter(
                    osmium.filter.EntityFilter(osmium.osm.WAY | osmium.osm.RELATION)).with_filter(
                    osmium.filter.KeyFilter(*URBAN_LANDUSE_KEYS)):
                if isinstance(obj, osmium.osm.Relation):
                    # Land use drawn as a multipolygon: its member ways carry no tag.
                    writer.add_relation(obj)
                    continue
                if not isinstance(obj, osmium.osm.Way):
                    continue
                if prepared is not None:
                    lons = [nd.lon for nd in obj.nodes if nd.location.valid()]
                    lats = [nd.lat for nd in obj.nodes if nd.location.valid()]
                    if not lons or not shapely.contains_xy(prepared, lons, lats).any():
                        continue
                writer.add_way(obj)
                n += 1
    except RuntimeError as exc:
        # On an error the writer leaves its scratch directory for the garbage collector.
        scratch = getattr(writer, "tmpdir", None)
        if scratch is not None:
            scratch.cleanup()
        raise NetworkError(f"cannot read OSM file {source}: {exc}") from exc
    return n


def build_via_extract(source: Path, params: NetworkParams, digest: str,
                      polygon: shapely.Geometry | None = None) -> RoadNetwork:
    """Prepare the network of ``source`` from its :func:`road_extract` (any libosmium format)."""
    from routing.network.roads import _build_from_xml

    with tempfile.TemporaryDirectory(prefix="samkorsel-extract-") as tmp:
        plain = Path(tmp) / "roads.osm"
        if road_extract(source, plain, polygon) == 0:
            raise NetworkError(f"OSM file {source}: no roads" + (" inside the region"
                                                                 if polygon is not None else ""))
        net = _build_from_xml(plain, params, digest)
    return replace(net, source=str(source))


def load_region(
    source: str | Path,
    *,
    municipality: str | None = None,
    polygon_file: Path | None = None,
    params: NetworkParams | None = None,
    cache_dir: Path | None = None,
) -> RoadNetwork:
    """The car road network of ``source`` cut to a municipality (the OSM administrative boundary
    of that name in the file) or to the polygon of a GeoJSON file; cached like
    :func:`routing.network.roads.load_network`, keyed by the file, the parameters and the cut.

    Raises
    ------
    NetworkError
        File missing or unreadable, no such boundary, or no roads inside.
    """
    from routing.network.roads import _cache_file, _load_cache, _save_cache, network_digest

    params = params or NetworkParams()
    path = Path(source)
    if not path.is_file():
        raise NetworkError(f"road network file {path} not found")
    if (municipality is None) == (polygon_file is None):
        raise NetworkError("give either a municipality or a polygon file to cut the region")
    if municipality is not None:
        polygon = municipality_polygon(path, municipality)
        cut = f"municipality:{municipality}"
    else:
        assert polygon_file is not None
        polygon = geojson_polygon(polygon_file)
        cut = f"polygon:{shapely.to_wkb(polygon).hex()}"
    digest = hashlib.sha256(
        (network_digest(path, params) + "\0" + cut).encode()).hexdigest()
    if cache_dir is not None:
        cached = _load_cache(_cache_file(Path(cache_dir), digest), str(path), digest)
        if cached is not None:
            return cached
    net = build_via_extract(path, params, digest, polygon)
    if cache_dir is not None:
        _save_cache(net, _cache_file(Path(cache_dir), digest))
    return net
