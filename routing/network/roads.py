"""The road network: car roads from OpenStreetMap as compact arrays, with a disk cache.

A :class:`RoadNetwork` is built from an OSM XML file (plain, ``.bz2`` or ``.gz``) with osmnx,
offline:

1. ``osmnx.graph_from_xml(simplify=False, retain_all=True)`` turns every way into edges, one per
   pair of consecutive way nodes; one-way streets (``oneway=yes/-1``, roundabouts) get edges in
   their allowed direction only, as osmnx does.
2. Edges that a car may not use are dropped (see :func:`car_allowed`): road classes outside
   :data:`CAR_HIGHWAYS`, ``area=yes``, parking aisles and the like, and access restrictions.
3. Each remaining (straight) segment gets a speed: its own ``maxspeed`` when parseable
   (:func:`parse_maxspeed`), else the Danish default of its road class, urban or rural, from
   :class:`~routing.params.NetworkParams`. Travel time = length / speed.
4. Only the largest strongly connected component is kept, so every point can reach every other.
5. The graph is simplified (interstitial nodes removed); lengths and travel times of merged
   segments are summed, so a simplified edge keeps the exact time of its parts.

Urban or rural (for the default speed only) is decided by a simple, documented heuristic: a
segment is *urban* when its midpoint lies within :data:`URBAN_BUFFER_M` metres of a
``landuse=residential/commercial/retail/industrial`` area of the same file. In Denmark the 50 km/h
general limit applies inside signposted built-up areas, which almost always coincide with such land
use; the buffer catches roads that run along (not inside) the edge of a residential area. Checked
on Samsø against the roads that do carry ``maxspeed``: 81 % of the length signed 50 km/h counts as
urban and 89 % of the length signed 80 km/h as rural.

The prepared arrays are cached as one ``.npz`` file per :attr:`RoadNetwork.digest` (SHA-256 of the
file bytes, the parameters that shape the network, the filter constants and
:data:`FORMAT_VERSION`), so a second load takes well under a second.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import osmnx as ox
import shapely
from pyproj import Transformer

from routing.errors import NetworkError
from routing.network.tags import (
    ACCESS_KEYS,
    CAR_HIGHWAYS,
    DENIED_ACCESS,
    EXCLUDED_SERVICE,
    ZONE_SPEEDS_KPH,
    car_allowed,
    default_speed_kph,
    parse_maxspeed,
)
from routing.params import NetworkParams
from routing.paths import BUNDLED_NETWORK, DATA_DIR

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
"""Version of the preparation method and of the cache file layout; bump on any change."""

METRIC_CRS = "EPSG:25832"
"""ETRS89 / UTM zone 32N: the metric projection for Denmark (snapping, areas)."""

URBAN_LANDUSE: tuple[str, ...] = ("residential", "commercial", "retail", "industrial")
URBAN_BUFFER_M = 20.0

_EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar", "vehicle")
_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]


@lru_cache(maxsize=2)
def _transformer(to_metric: bool) -> Transformer:
    src, dst = ("EPSG:4326", METRIC_CRS) if to_metric else (METRIC_CRS, "EPSG:4326")
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Project WGS84 longitude/latitude to :data:`METRIC_CRS` (x, y) in metres."""
    x, y = _transformer(True).transform(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def from_metric(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Inverse of :func:`to_metric`: returns (lon, lat)."""
    lon, lat = _transformer(False).transform(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network as flat arrays (nodes, edges, edge polylines).

    Node and edge ids are positions in the arrays. ``eq=False``: two networks compare by identity
    (numpy arrays have no boolean equality); compare :attr:`digest` for content.
    """

    node_osmid: _IntArray
    """OSM node id of each node."""
    node_lat: _FloatArray
    node_lon: _FloatArray
    edge_u: _IntArray
    """Start node index of each directed edge u -> v."""
    edge_v: _IntArray
    edge_length_m: _FloatArray
    edge_travel_s: _FloatArray
    edge_geom_offsets: _IntArray
    """Polyline of edge ``i`` is ``geom_lat/lon[off[i]:off[i+1]]``, both end nodes included."""
    geom_lat: _FloatArray
    geom_lon: _FloatArray
    source: str
    """The OSM file path, or ``place:<name>``."""
    digest: str
    """SHA-256 of the inputs (file bytes, parameters, format version)."""

    def __post_init__(self) -> None:
        n, m = len(self.node_osmid), len(self.edge_u)
        if not (len(self.node_lat) == len(self.node_lon) == n):
            raise NetworkError(f"network {self.source}: node arrays differ in length")
        if not (len(self.edge_v) == len(self.edge_length_m) == len(self.edge_travel_s) == m):
            raise NetworkError(f"network {self.source}: edge arrays differ in length")
        if len(self.edge_geom_offsets) != m + 1 or len(self.geom_lat) != len(self.geom_lon):
            raise NetworkError(f"network {self.source}: geometry arrays are inconsistent")
        if m and (min(self.edge_u.min(), self.edge_v.min()) < 0
                  or max(self.edge_u.max(), self.edge_v.max()) >= n):
            raise NetworkError(f"network {self.source}: edge refers to a missing node")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_osmid)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    def edge_polyline(self, edge: int) -> tuple[_FloatArray, _FloatArray]:
        """(lat, lon) arrays of the polyline of ``edge``, from ``edge_u`` to ``edge_v``."""
        a, b = self.edge_geom_offsets[edge], self.edge_geom_offsets[edge + 1]
        return self.geom_lat[a:b], self.geom_lon[a:b]

    @cached_property
    def geom_xy(self) -> tuple[_FloatArray, _FloatArray]:
        """All polyline vertices projected to :data:`METRIC_CRS` (x, y in metres); cached."""
        return to_metric(self.geom_lon, self.geom_lat)

    @cached_property
    def reverse_edge(self) -> _IntArray:
        """For each edge, the index of its reverse twin (v -> u, same polyline reversed), or -1.

        A two-way road is two directed edges; a one-way street has no twin. Parallel edges with
        other geometry are not twins.
        """
        twin = np.full(self.n_edges, -1, dtype=np.int64)
        off = self.edge_geom_offsets
        by_key: dict[tuple[int, int, bytes, bytes], int] = {}
        for i in range(self.n_edges):
            lat = self.geom_lat[off[i] : off[i + 1]]
            lon = self.geom_lon[off[i] : off[i + 1]]
            by_key.setdefault(
                (int(self.edge_u[i]), int(self.edge_v[i]), lat.tobytes(), lon.tobytes()), i
            )
        for i in range(self.n_edges):
            lat = self.geom_lat[off[i] : off[i + 1]][::-1]
            lon = self.geom_lon[off[i] : off[i + 1]][::-1]
            j = by_key.get((int(self.edge_v[i]), int(self.edge_u[i]), lat.tobytes(), lon.tobytes()))
            # A closed loop read backwards is itself only if it is a palindrome (degenerate).
            if j is not None and j != i:
                twin[i] = j
        return twin

    def to_networkx(self) -> nx.MultiDiGraph:
        """The network as a ``networkx.MultiDiGraph`` for checks and ad-hoc analysis.

        Nodes are the indices ``0..n_nodes-1`` (attributes ``osmid``, ``lat``, ``lon``, ``x``,
        ``y``); edge ``i`` has key ``i`` and float attributes ``travel_s`` and ``length_m``.
        """
        g = nx.MultiDiGraph(source=self.source, digest=self.digest, crs="epsg:4326")
        g.add_nodes_from(
            (i, {"osmid": int(o), "lat": float(la), "lon": float(lo), "x": float(lo),
                 "y": float(la)})
            for i, (o, la, lo) in enumerate(
                zip(self.node_osmid, self.node_lat, self.node_lon, strict=True)
            )
        )
        g.add_edges_from(
            (int(u), int(v), i, {"travel_s": float(t), "length_m": float(length)})
            for i, (u, v, t, length) in enumerate(
                zip(self.edge_u, self.edge_v, self.edge_travel_s, self.edge_length_m, strict=True)
            )
        )
        return g


# --------------------------------------------------------------------------------------------
# Paths and digests


def default_network_path() -> Path:
    """The bundled Samsø extract, ``data/osm/samsoe-2020-03-09.osm.bz2``."""
    return BUNDLED_NETWORK


def default_cache_dir() -> Path:
    """``<repo>/data/cache``, where prepared networks are cached (git-ignored)."""
    return DATA_DIR / "cache"


def _params_fingerprint(params: NetworkParams) -> bytes:
    # Only what shapes the network goes in (not snap_max_m), plus the filter constants, so that
    # changing either invalidates cached networks.
    doc: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "osmnx": ox.__version__,
        "speeds_rural_kph": sorted((k, float(v)) for k, v in params.speeds_rural_kph.items()),
        "speeds_urban_kph": sorted((k, float(v)) for k, v in params.speeds_urban_kph.items()),
        "fallback_kph": float(params.fallback_kph),
        "car_highways": sorted(CAR_HIGHWAYS),
        "excluded_service": sorted(EXCLUDED_SERVICE),
        "denied_access": sorted(DENIED_ACCESS),
        "access_keys": list(ACCESS_KEYS),
        "urban_landuse": list(URBAN_LANDUSE),
        "urban_buffer_m": URBAN_BUFFER_M,
        "zone_speeds_kph": sorted(ZONE_SPEEDS_KPH.items()),
    }
    return json.dumps(doc, sort_keys=True).encode()


def network_digest(path: Path, params: NetworkParams) -> str:
    """SHA-256 hex digest of an OSM file's bytes and the preparation parameters."""
    h = hashlib.sha256(b"samkorsel-network\0")
    h.update(_params_fingerprint(params))
    h.update(b"\0file\0")
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _place_digest(place: str, params: NetworkParams) -> str:
    h = hashlib.sha256(b"samkorsel-network\0")
    h.update(_params_fingerprint(params))
    h.update(b"\0place\0" + place.encode())
    return h.hexdigest()


def _cache_file(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"network-{digest[:32]}.npz"


# --------------------------------------------------------------------------------------------
# Building


@contextlib.contextmanager
def _extra_way_tags() -> Iterator[None]:
    """Let osmnx keep the vehicle access tags on edges for the duration of one load."""
    old = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = old + [t for t in _EXTRA_WAY_TAGS if t not in old]
    try:
        yield
    finally:
        ox.settings.useful_tags_way = old


def _urban_area_metric(polygons: list[shapely.Geometry]) -> shapely.Geometry | None:
    """Union of the (projected, buffered) built-up land-use polygons, or None."""
    metric = []
    for poly in polygons:
        if poly.geom_type not in ("Polygon", "MultiPolygon") or poly.is_empty:
            continue
        metric.append(shapely.transform(poly, lambda xy: np.column_stack(to_metric(*xy.T))))
    if not metric:
        return None
    area = shapely.union_all(shapely.buffer(np.asarray(metric), URBAN_BUFFER_M))
    shapely.prepare(area)
    return area


def _prepare_graph(
    raw: nx.MultiDiGraph, urban_polygons: list[shapely.Geometry], params: NetworkParams
) -> nx.MultiDiGraph:
    """Filter, time, keep the largest strongly connected component and simplify."""
    xs = raw.nodes(data="x")
    ys = raw.nodes(data="y")
    kept: list[tuple[Any, Any, dict[str, Any]]] = []
    for u, v, data in raw.edges(data=True):
        if car_allowed(data):
            kept.append((u, v, data))
    if not kept:
        raise NetworkError("no car roads")

    mid_lon = np.array([(xs[u] + xs[v]) / 2.0 for u, v, _ in kept])
    mid_lat = np.array([(ys[u] + ys[v]) / 2.0 for u, v, _ in kept])
    area = _urban_area_metric(urban_polygons)
    if area is None:
        urban = np.zeros(len(kept), dtype=bool)
    else:
        urban = shapely.contains_xy(area, *to_metric(mid_lon, mid_lat))

    g = nx.MultiDiGraph(crs=raw.graph.get("crs", "epsg:4326"))
    nodes = {n for u, v, _ in kept for n in (u, v)}
    g.add_nodes_from((n, {"x": float(xs[n]), "y": float(ys[n])}) for n in nodes)
    for (u, v, data), is_urban in zip(kept, urban, strict=True):
        kph = parse_maxspeed(data.get("maxspeed"))
        if kph is None:
            kph = default_speed_kph(data.get("highway"), bool(is_urban), params)
        length_m = float(data["length"])
        g.add_edge(u, v, length=length_m, travel_s=length_m / (kph / 3.6))

    g = ox.truncate.largest_component(g, strongly=True)
    return ox.simplification.simplify_graph(
        g, edge_attr_aggs={"length": sum, "travel_s": sum}
    )


def _network_from_graph(g: nx.MultiDiGraph, source: str, digest: str) -> RoadNetwork:
    """Flatten a prepared graph into a :class:`RoadNetwork` with deterministic ordering."""
    osmids = np.array(sorted(int(n) for n in g.nodes), dtype=np.int64)
    index = {int(o): i for i, o in enumerate(osmids)}
    node_lat = np.array([float(g.nodes[int(o)]["y"]) for o in osmids])
    node_lon = np.array([float(g.nodes[int(o)]["x"]) for o in osmids])

    us: list[int] = []
    vs: list[int] = []
    lengths: list[float] = []
    times: list[float] = []
    geoms: list[npt.NDArray[np.float64]] = []
    for u, v, data in g.edges(data=True):
        iu, iv = index[int(u)], index[int(v)]
        geom = data.get("geometry")
        if geom is None:
            coords = np.array([[node_lon[iu], node_lat[iu]], [node_lon[iv], node_lat[iv]]])
        else:
            coords = np.asarray(geom.coords, dtype=np.float64)[:, :2]
            if (coords[0, 0], coords[0, 1]) != (node_lon[iu], node_lat[iu]):
                coords = coords[::-1]
        us.append(iu)
        vs.append(iv)
        lengths.append(float(data["length"]))
        times.append(float(data["travel_s"]))
        geoms.append(coords)

    # Stable order independent of the graph's insertion order: by (u, v, time, length, geometry).
    geom_keys = [c.tobytes() for c in geoms]
    order = sorted(range(len(us)), key=lambda i: (us[i], vs[i], times[i], lengths[i], geom_keys[i]))
    counts = np.array([len(geoms[i]) for i in order], dtype=np.int64)
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.concatenate([geoms[i] for i in order]) if order else np.zeros((0, 2))
    return RoadNetwork(
        node_osmid=osmids,
        node_lat=node_lat,
        node_lon=node_lon,
        edge_u=np.array([us[i] for i in order], dtype=np.int64),
        edge_v=np.array([vs[i] for i in order], dtype=np.int64),
        edge_length_m=np.array([lengths[i] for i in order], dtype=np.float64),
        edge_travel_s=np.array([times[i] for i in order], dtype=np.float64),
        edge_geom_offsets=offsets,
        geom_lat=np.ascontiguousarray(flat[:, 1], dtype=np.float64),
        geom_lon=np.ascontiguousarray(flat[:, 0], dtype=np.float64),
        source=source,
        digest=digest,
    )


def _landuse_polygons_from_xml(path: Path) -> list[shapely.Geometry]:
    try:
        gdf = ox.features_from_xml(path, tags={"landuse": list(URBAN_LANDUSE)})
    except ox._errors.InsufficientResponseError:
        return []
    return [g for g in gdf.geometry if g is not None]


@contextlib.contextmanager
def _plain_xml(path: Path) -> Iterator[Path]:
    """The OSM XML as a plain file: compressed input is decompressed once to a temp file.

    osmnx would decompress on the fly, but it reads the file twice (and we read it a third time
    for land use), so one decompression saves seconds.
    """
    opener: Any = {".bz2": bz2.open, ".gz": gzip.open}.get(path.suffix.lower())
    if opener is None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="samkorsel-osm-") as tmp:
        plain = Path(tmp) / path.with_suffix("").name
        if plain.suffix.lower() != ".osm":
            plain = plain.with_suffix(plain.suffix + ".osm")
        with opener(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield plain


def _build_from_xml(path: Path, params: NetworkParams, digest: str) -> RoadNetwork:
    start = time.perf_counter()
    try:
        with _plain_xml(path) as plain, _extra_way_tags():
            raw = ox.graph_from_xml(plain, simplify=False, retain_all=True)
            polygons = _landuse_polygons_from_xml(plain)
    except NetworkError:
        raise
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise NetworkError(f"cannot read OSM file {path}: {exc}") from exc
    except Exception as exc:
        # osmnx and the XML parser raise assorted exception types on malformed files.
        raise NetworkError(f"cannot read OSM file {path}: {type(exc).__name__}: {exc}") from exc
    try:
        prepared = _prepare_graph(raw, polygons, params)
    except NetworkError as exc:
        raise NetworkError(f"OSM file {path}: {exc}") from exc
    net = _network_from_graph(prepared, str(path), digest)
    logger.info(
        "prepared road network from %s: %d nodes, %d edges, %d urban areas in %.1f s",
        path, net.n_nodes, net.n_edges, len(polygons), time.perf_counter() - start,
    )
    return net


# --------------------------------------------------------------------------------------------
# Cache


_ARRAY_FIELDS = (
    "node_osmid", "node_lat", "node_lon", "edge_u", "edge_v", "edge_length_m", "edge_travel_s",
    "edge_geom_offsets", "geom_lat", "geom_lon",
)


def _save_cache(net: RoadNetwork, file: Path) -> None:
    """Write atomically (temp file + rename), so parallel test workers never see half a file."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=file.stem + "-", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                format_version=np.array(FORMAT_VERSION),
                digest=np.array(net.digest),
                **{name: getattr(net, name) for name in _ARRAY_FIELDS},
            )
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the cache is ordinary shared data
        os.replace(tmp_name, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _load_cache(file: Path, source: str, digest: str) -> RoadNetwork | None:
    """The cached network, or None when missing, stale or unreadable (then it is rebuilt)."""
    if not file.is_file():
        return None
    try:
        with np.load(file, allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION or str(data["digest"]) != digest:
                logger.warning("ignoring stale network cache %s", file)
                return None
            arrays = {name: np.array(data[name]) for name in _ARRAY_FIELDS}
        return RoadNetwork(source=source, digest=digest, **arrays)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, NetworkError) as exc:
        logger.warning("ignoring unreadable network cache %s: %s", file, exc)
        return None


# --------------------------------------------------------------------------------------------
# Public loaders


def load_network(
    source: str | Path,
    params: NetworkParams | None = None,
    cache_dir: Path | None = None,
) -> RoadNetwork:
    """Load and prepare the car road network of an OSM XML file, offline.

    Parameters
    ----------
    source
        Path of an OSM XML file (``.osm``, ``.osm.bz2`` or ``.osm.gz``). ``"place:<name>"``
        returns a network fetched earlier by :func:`load_network_from_place` from ``cache_dir``.
    params
        Speeds for roads without ``maxspeed``; defaults to Danish defaults.
    cache_dir
        Directory of the prepared-network cache (e.g. :func:`default_cache_dir`); created if
        missing. None means no disk cache (always prepare, ~10 s for Samsø).

    Returns
    -------
    RoadNetwork
        Largest strongly connected component of the car roads, simplified.

    Raises
    ------
    NetworkError
        If the file is missing or unreadable, holds no car roads, or a place is not cached.
    """
    params = params or NetworkParams()
    text = str(source)
    if text.startswith("place:"):
        place = text[len("place:") :]
        digest = _place_digest(place, params)
        cached = _load_cache(_cache_file(cache_dir, digest), text, digest) if cache_dir else None
        if cached is None:
            raise NetworkError(
                f"road network {text!r} is not cached in {cache_dir}; fetch it once with "
                "load_network_from_place (needs internet) or use an OSM file"
            )
        return cached

    path = Path(source)
    if not path.is_file():
        raise NetworkError(f"road network file {path} not found")
    start = time.perf_counter()
    digest = network_digest(path, params)
    if cache_dir is not None:
        cache_file = _cache_file(Path(cache_dir), digest)
        cached = _load_cache(cache_file, str(path), digest)
        if cached is not None:
            logger.info("loaded cached road network %s in %.2f s", cache_file.name,
                        time.perf_counter() - start)
            return cached
    # libosmium first writes only the roads and land use (routing.network.osm_extract): the same
    # network, 3x less CPU on the Lyngby extract; it also reads .osm.pbf. If it cannot read the
    # file, the XML path below gives the usual error.
    from routing.network.osm_extract import build_via_extract

    try:
        net = build_via_extract(path, params, digest)
    except NetworkError:
        if path.name.lower().endswith(".pbf"):
            raise
        net = _build_from_xml(path, params, digest)
    if cache_dir is not None:
        _save_cache(net, cache_file)
    return net


def load_network_from_place(
    place: str,
    params: NetworkParams | None = None,
    cache_dir: Path | None = None,
) -> RoadNetwork:
    """Fetch the car road network of a named place from OpenStreetMap (needs internet).

    Uses ``osmnx.graph_from_place(place, network_type="drive")`` and land use from
    ``osmnx.features_from_place``, then prepares it like :func:`load_network`. With
    ``cache_dir``, the result is cached under the place name and later calls (and
    ``load_network("place:<name>", cache_dir=...)``) reuse it; delete the cache file to refresh.

    Raises
    ------
    NetworkError
        If the place cannot be geocoded or downloaded, or has no car roads.
    """
    params = params or NetworkParams()
    source = f"place:{place}"
    digest = _place_digest(place, params)
    if cache_dir is not None:
        cached = _load_cache(_cache_file(Path(cache_dir), digest), source, digest)
        if cached is not None:
            return cached
    try:
        with _extra_way_tags():
            raw = ox.graph_from_place(place, network_type="drive", simplify=False,
                                      retain_all=True)
        try:
            gdf = ox.features_from_place(place, tags={"landuse": list(URBAN_LANDUSE)})
            polygons = [g for g in gdf.geometry if g is not None]
        except ox._errors.InsufficientResponseError:
            polygons = []
    except NetworkError:
        raise
    except Exception as exc:
        raise NetworkError(f"cannot fetch road network of place {place!r}: {exc}") from exc
    try:
        prepared = _prepare_graph(raw, polygons, params)
    except NetworkError as exc:
        raise NetworkError(f"place {place!r}: {exc}") from exc
    net = _network_from_graph(prepared, source, digest)
    if cache_dir is not None:
        _save_cache(net, _cache_file(Path(cache_dir), digest))
    return net


def bench_network_load(
    source: str | Path,
    params: NetworkParams | None = None,
    cache_dir: Path | None = None,
) -> dict[str, float]:
    """Time a cold load (fresh, empty temporary cache) and a warm load (from the cache).

    The warm load reads from ``cache_dir`` (filled first if needed; a temporary directory if
    None).

    Returns
    -------
    dict
        ``cold_s``, ``warm_s``, ``n_nodes``, ``n_edges``.
    """
    with tempfile.TemporaryDirectory(prefix="samkorsel-bench-") as tmp:
        start = time.perf_counter()
        net = load_network(source, params, Path(tmp))
        cold_s = time.perf_counter() - start
        warm_dir = Path(tmp) if cache_dir is None else Path(cache_dir)
        if cache_dir is not None:
            load_network(source, params, warm_dir)  # make sure the cache is filled
        start = time.perf_counter()
        load_network(source, params, warm_dir)
        warm_s = time.perf_counter() - start
    return {
        "cold_s": cold_s,
        "warm_s": warm_s,
        "n_nodes": float(net.n_nodes),
        "n_edges": float(net.n_edges),
    }
