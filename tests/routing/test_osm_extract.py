"""Reading OSM files through libosmium: .osm.pbf gives the same network as the XML, and a region
is cut by an administrative boundary in the file or by a GeoJSON polygon."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest

from routing.errors import NetworkError
from routing.network.osm_extract import load_region, road_extract
from routing.network.roads import _ARRAY_FIELDS, RoadNetwork, load_network

TINY_OSM = Path(__file__).parents[1] / "data" / "tiny.osm"
# A boundary around the western column of tiny.osm's grid (lon 10.585–10.620: A, B, D, E, Q).
WEST = [(10.585, 55.878), (10.620, 55.878), (10.620, 55.906), (10.585, 55.906), (10.585, 55.878)]


def _same(a: RoadNetwork, b: RoadNetwork) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in _ARRAY_FIELDS)


def _to_pbf(src: Path, out: Path) -> Path:
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)
    return out


def test_pbf_gives_the_same_network_as_the_xml(tmp_path: Path) -> None:
    pbf = _to_pbf(TINY_OSM, tmp_path / "tiny.osm.pbf")
    from_pbf = load_network(pbf, cache_dir=tmp_path / "cache")
    assert _same(from_pbf, load_network(TINY_OSM))
    assert from_pbf.source == str(pbf)
    assert _same(load_network(pbf, cache_dir=tmp_path / "cache"), from_pbf)  # from the cache


def test_road_extract_keeps_only_what_the_preparation_reads(tmp_path: Path) -> None:
    out = tmp_path / "roads.osm"
    road_extract(TINY_OSM, out)
    text = out.read_text(encoding="utf-8")
    assert "Testvej" not in text  # an address node no road refers to
    assert 'k="landuse"' in text  # urban speeds need land use


def _with_boundary(tmp_path: Path) -> Path:
    nodes = "".join(f'<node id="{900 + i}" lat="{lat}" lon="{lon}"/>'
                    for i, (lon, lat) in enumerate(WEST[:-1]))
    way = ('<way id="900">' + "".join(f'<nd ref="{900 + i}"/>' for i in (0, 1, 2, 3, 0))
           + "</way>")
    rel = ('<relation id="900"><member type="way" ref="900" role="outer"/>'
           '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
           '<tag k="admin_level" v="7"/><tag k="name" v="Testkommune"/></relation>')
    text = TINY_OSM.read_text(encoding="utf-8")
    first_way = text.index("<way ")
    last = text.rindex("</osm>")
    first_rel = text.find("<relation ")
    rel_at = first_rel if first_rel >= 0 else last
    out = tmp_path / "tiny_boundary.osm"
    out.write_text(text[:first_way] + nodes + text[first_way:rel_at] + way + rel + text[rel_at:],
                   encoding="utf-8")
    return out


def test_cut_by_municipality_and_by_geojson_polygon(tmp_path: Path) -> None:
    full = load_network(TINY_OSM)
    src = _with_boundary(tmp_path)
    cut = load_region(src, municipality="Testkommune", cache_dir=tmp_path / "cache")
    # Ways with a node inside are kept whole (B–C reaches C); the eastern stubs R, S are gone.
    assert set(cut.node_osmid) < set(full.node_osmid)
    assert not {11, 12} & set(cut.node_osmid.tolist())
    geojson = tmp_path / "west.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [WEST]}}), encoding="utf-8")
    by_polygon = load_region(TINY_OSM, polygon_file=geojson)
    assert _same(by_polygon, cut)
    with pytest.raises(NetworkError, match="Nowhere"):
        load_region(src, municipality="Nowhere")
