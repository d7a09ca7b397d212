"""Travel-time and distance matrices on a :class:`RoadNetwork` (compiled many-to-many Dijkstra).

Shortest paths minimise travel time (``edge_travel_s``) with
``scipy.sparse.csgraph.dijkstra``; the distance reported is the road length *along that fastest
path* (not the shortest distance), recovered from the predecessor tree.

Points are :class:`~routing.network.snap.SnappedPoint` s lying part-way along an edge ``u -> v`` at
fraction
``f``. A point leaves forward to ``v`` at cost ``(1-f)`` of the edge, or, when the road is two-way
(a reverse twin ``v -> u`` exists), backward to ``u`` at cost ``f`` of the twin; it is reached from
``u`` at cost ``f`` of the edge, or from ``v`` along the twin. Two points on the same edge (or
twin) in driving order travel directly along it. Times and costs along an edge are proportional
to the fraction of its length.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.errors import NetworkError
from routing.network.roads import RoadNetwork, bench_network_load
from routing.network.snap import SnappedPoint

__all__ = [
    "TravelMatrix",
    "bench_matrix",
    "bench_network_load",
    "node_matrix",
    "path_coordinates",
    "travel_matrix",
]

logger = logging.getLogger(__name__)

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]

# Limit on sources x nodes entries per Dijkstra batch (about 100 MB of working arrays).
_BATCH_ENTRIES = 2_000_000
# Source points per block when combining point options (n_block x 2 x n x 2 entries).
_POINT_BLOCK = 256


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Fastest travel times and the road distances along those paths between named points.

    ``time_s[i, j]`` and ``distance_m[i, j]`` go from ``ids[i]`` to ``ids[j]``; the diagonal is 0.
    """

    ids: tuple[str, ...]
    time_s: _IntArray
    """int64 n x n, fastest travel time in whole seconds."""
    distance_m: _IntArray
    """int64 n x n, road distance along the fastest path, whole metres."""
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.time_s.shape != (n, n) or self.distance_m.shape != (n, n):
            raise ValueError(f"travel matrix for {n} ids must be {n}x{n}")
        positions = {pid: i for i, pid in enumerate(self.ids)}
        if len(positions) != n:
            dupes = sorted({p for p in self.ids if self.ids.count(p) > 1})
            raise ValueError(f"travel matrix ids are not unique: {', '.join(dupes)}")
        object.__setattr__(self, "_positions", positions)

    def index(self, point_id: str) -> int:
        """Row/column of ``point_id``.

        Raises
        ------
        KeyError
            If the id is not in the matrix.
        """
        try:
            return self._positions[point_id]
        except KeyError:
            raise KeyError(f"point {point_id!r} is not in the travel matrix") from None


# --------------------------------------------------------------------------------------------
# Node-to-node


@dataclass(frozen=True)
class _Graph:
    """Parallel edges reduced to the fastest one, as CSR plus sorted lookup keys."""

    csr: csr_matrix
    keys: _IntArray  # u * n + v, sorted
    length_m: _FloatArray  # length of the kept edge, by key order
    edge: _IntArray  # index of the kept edge in the network, by key order


_GRAPHS: weakref.WeakKeyDictionary[RoadNetwork, _Graph] = weakref.WeakKeyDictionary()
_GRAPHS_LOCK = threading.Lock()


def _reduced_graph(network: RoadNetwork) -> _Graph:
    """The network's :class:`_Graph`, made once per network object (networks are immutable;
    drawing one leg would otherwise sort every edge again)."""
    with _GRAPHS_LOCK:
        graph = _GRAPHS.get(network)
    if graph is None:
        graph = _make_reduced_graph(network)
        with _GRAPHS_LOCK:
            _GRAPHS[network] = graph
    return graph


def _make_reduced_graph(network: RoadNetwork) -> _Graph:
    n = network.n_nodes
    u, v = network.edge_u, network.edge_v
    t, length = network.edge_travel_s, network.edge_length_m
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise NetworkError(f"road network {network.source} has negative or invalid travel times")
    # Sort by (u, v, time, length, index) and keep the first of each (u, v): scipy would *sum*
    # duplicate entries, and networkx takes the minimum over parallel edges.
    order = np.lexsort((np.arange(len(u)), length, t, v, u))
    keys = u[order] * n + v[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    kept = order[first]
    # Self-loops never shorten a path; leaving them out keeps the CSR diagonal empty.
    kept = kept[u[kept] != v[kept]]
    # csgraph treats explicit zeros of sparse input as edges, so a zero-time edge (duplicate
    # node coordinates in OSM) stays an edge.
    csr = csr_matrix((t[kept], (u[kept], v[kept])), shape=(n, n))
    return _Graph(csr=csr, keys=u[kept] * n + v[kept], length_m=length[kept], edge=kept)


def _tree_lengths(graph: _Graph, pred: npt.NDArray[np.int32], n: int) -> _FloatArray:
    """Road length from each row's source to every node along its predecessor tree.

    Pointer jumping: each node points to an ancestor and holds the length up to it; doubling the
    jump ``log2(depth)`` times reaches the source. Order-free, so it copes with zero-time edges.
    """
    k = pred.shape[0]
    rows = np.arange(k)[:, None]
    cols = np.broadcast_to(np.arange(n, dtype=np.int64), (k, n))
    has = pred >= 0
    ptr = np.where(has, pred, cols).astype(np.int64)
    acc = np.zeros((k, n), dtype=np.float64)
    pos = np.searchsorted(graph.keys, pred[has].astype(np.int64) * n + cols[has])
    acc[has] = graph.length_m[pos]
    while True:
        nxt = ptr[rows, ptr]
        if np.array_equal(nxt, ptr):
            return acc
        acc = acc + acc[rows, ptr]
        ptr = nxt


def _node_matrix(
    network: RoadNetwork, graph: _Graph, sources: _IntArray, targets: _IntArray
) -> tuple[_FloatArray, _FloatArray]:
    n = network.n_nodes
    uniq, inverse = np.unique(sources, return_inverse=True)
    time_u = np.empty((len(uniq), len(targets)))
    length_u = np.empty((len(uniq), len(targets)))
    batch = max(1, _BATCH_ENTRIES // max(n, 1))
    for start in range(0, len(uniq), batch):
        chunk = uniq[start : start + batch]
        dist, pred = dijkstra(graph.csr, directed=True, indices=chunk, return_predecessors=True)
        lengths = _tree_lengths(graph, pred, n)
        lengths[~np.isfinite(dist)] = np.inf
        time_u[start : start + len(chunk)] = dist[:, targets]
        length_u[start : start + len(chunk)] = lengths[:, targets]
    return time_u[inverse], length_u[inverse]


def node_matrix(
    network: RoadNetwork, sources: npt.ArrayLike, targets: npt.ArrayLike
) -> tuple[_FloatArray, _FloatArray]:
    """Fastest travel time and the length along it between node indices.

    Parameters
    ----------
    network
        The road network.
    sources, targets
        Node indices (``0..n_nodes-1``); repeats are allowed.

    Returns
    -------
    time_s, length_m
        float arrays of shape ``(len(sources), len(targets))``; ``inf`` where unreachable.
        ``time_s`` equals networkx's ``single_source_dijkstra_path_length(weight="travel_s")`` on
        :meth:`RoadNetwork.to_networkx`.

    Raises
    ------
    IndexError
        If a node index is out of range.
    """
    src = np.asarray(sources, dtype=np.int64).reshape(-1)
    dst = np.asarray(targets, dtype=np.int64).reshape(-1)
    for name, arr in (("source", src), ("target", dst)):
        bad = arr[(arr < 0) | (arr >= network.n_nodes)]
        if len(bad):
            raise IndexError(f"{name} node {int(bad[0])} is not in the network "
                             f"(0..{network.n_nodes - 1})")
    if len(src) == 0 or len(dst) == 0:
        return np.zeros((len(src), len(dst))), np.zeros((len(src), len(dst)))
    return _node_matrix(network, _reduced_graph(network), src, dst)


# --------------------------------------------------------------------------------------------
# Point-to-point


@dataclass(frozen=True)
class _Ends:
    """Up to two ways to leave (exit) and to reach (entry) each point, padded with inf cost."""

    exit_node: _IntArray  # (n, 2)
    exit_s: _FloatArray
    exit_m: _FloatArray
    entry_node: _IntArray
    entry_s: _FloatArray
    entry_m: _FloatArray
    placements: list[list[tuple[int, float]]]  # per point: (edge, fraction) on edge and twin


def _ends(network: RoadNetwork, points: Sequence[SnappedPoint]) -> _Ends:
    n = len(points)
    twin = network.reverse_edge
    exit_node = np.zeros((n, 2), dtype=np.int64)
    entry_node = np.zeros((n, 2), dtype=np.int64)
    exit_s, exit_m = np.full((n, 2), np.inf), np.full((n, 2), np.inf)
    entry_s, entry_m = np.full((n, 2), np.inf), np.full((n, 2), np.inf)
    placements: list[list[tuple[int, float]]] = []
    for i, p in enumerate(points):
        if not 0 <= p.edge < network.n_edges:
            raise IndexError(f"point {p.point_id!r}: edge {p.edge} is not in the network")
        f = min(1.0, max(0.0, float(p.fraction)))
        places = [(p.edge, f)]
        if twin[p.edge] >= 0:
            places.append((int(twin[p.edge]), 1.0 - f))
        for j, (e, fe) in enumerate(places):
            t, length = network.edge_travel_s[e], network.edge_length_m[e]
            exit_node[i, j] = network.edge_v[e]
            exit_s[i, j], exit_m[i, j] = (1.0 - fe) * t, (1.0 - fe) * length
            entry_node[i, j] = network.edge_u[e]
            entry_s[i, j], entry_m[i, j] = fe * t, fe * length
        placements.append(places)
    return _Ends(exit_node, exit_s, exit_m, entry_node, entry_s, entry_m, placements)


def _point_matrices(
    network: RoadNetwork, points: Sequence[SnappedPoint]
) -> tuple[_FloatArray, _FloatArray]:
    """Float time and length between snapped points (diagonal 0)."""
    n = len(points)
    ends = _ends(network, points)
    a_nodes, a_idx = np.unique(ends.exit_node, return_inverse=True)
    b_nodes, b_idx = np.unique(ends.entry_node, return_inverse=True)
    a_idx, b_idx = a_idx.reshape(n, 2), b_idx.reshape(n, 2)
    node_t, node_l = _node_matrix(network, _reduced_graph(network), a_nodes, b_nodes)

    time_s = np.empty((n, n))
    length_m = np.empty((n, n))
    for s0 in range(0, n, _POINT_BLOCK):
        s = slice(s0, min(n, s0 + _POINT_BLOCK))
        ai = a_idx[s][:, :, None, None]
        bi = b_idx[None, None, :, :]
        tot_t = ends.exit_s[s][:, :, None, None] + node_t[ai, bi] + ends.entry_s[None, None]
        tot_l = ends.exit_m[s][:, :, None, None] + node_l[ai, bi] + ends.entry_m[None, None]
        k = tot_t.shape[0]
        tot_t = tot_t.transpose(0, 2, 1, 3).reshape(k, n, 4)
        tot_l = tot_l.transpose(0, 2, 1, 3).reshape(k, n, 4)
        best = np.argmin(tot_t, axis=2)[:, :, None]
        time_s[s] = np.take_along_axis(tot_t, best, axis=2)[:, :, 0]
        length_m[s] = np.take_along_axis(tot_l, best, axis=2)[:, :, 0]

    # Direct travel along a shared edge, in driving order.
    on_edge: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for i, places in enumerate(ends.placements):
        for e, f in places:
            on_edge[e].append((i, f))
    for e, members in on_edge.items():
        if len(members) < 2:
            continue
        idx = np.array([m[0] for m in members])
        frac = np.array([m[1] for m in members])
        delta = frac[None, :] - frac[:, None]  # from row to column
        ok = delta >= 0
        cand_t = np.where(ok, delta * network.edge_travel_s[e], np.inf)
        cand_l = delta * network.edge_length_m[e]
        sub_t = time_s[np.ix_(idx, idx)]
        better = cand_t <= sub_t
        time_s[np.ix_(idx, idx)] = np.where(better, cand_t, sub_t)
        length_m[np.ix_(idx, idx)] = np.where(better, cand_l, length_m[np.ix_(idx, idx)])
    np.fill_diagonal(time_s, 0.0)
    np.fill_diagonal(length_m, 0.0)
    return time_s, length_m


def travel_matrix(network: RoadNetwork, points: Sequence[SnappedPoint]) -> TravelMatrix:
    """Fastest travel times and road distances between snapped points.

    Parameters
    ----------
    network
        The road network the points were snapped to.
    points
        Snapped points with unique ids.

    Returns
    -------
    TravelMatrix
        Rounded to whole seconds and metres; diagonal 0.

    Raises
    ------
    ValueError
        If point ids repeat.
    NetworkError
        If some point cannot reach another (only on a network that is not strongly connected).
    """
    ids = tuple(p.point_id for p in points)
    if len(set(ids)) != len(ids):
        dupes = sorted({p for p in ids if ids.count(p) > 1})
        raise ValueError(f"point ids are not unique: {', '.join(dupes)}")
    if not points:
        empty = np.zeros((0, 0), dtype=np.int64)
        return TravelMatrix(ids=(), time_s=empty, distance_m=empty.copy())
    start = time.perf_counter()
    time_f, length_f = _point_matrices(network, points)
    if not np.all(np.isfinite(time_f)):
        i, j = np.argwhere(~np.isfinite(time_f))[0]
        raise NetworkError(
            f"no route from point {ids[i]!r} to point {ids[j]!r} in road network {network.source}"
        )
    logger.debug("travel matrix %dx%d in %.3f s", len(ids), len(ids), time.perf_counter() - start)
    return TravelMatrix(
        ids=ids,
        time_s=np.rint(time_f).astype(np.int64),
        distance_m=np.rint(length_f).astype(np.int64),
    )


# --------------------------------------------------------------------------------------------
# Path geometry


def _edge_slice(network: RoadNetwork, edge: int, f0: float, f1: float) -> list[tuple[float, float]]:
    """(lon, lat) of edge ``edge`` from fraction ``f0`` to ``f1`` (``f0 <= f1``) of its length.

    Fractions are by metric length, as in snapping; cut points are interpolated linearly.
    """
    a, b = int(network.edge_geom_offsets[edge]), int(network.edge_geom_offsets[edge + 1])
    if f0 <= 0.0 and f1 >= 1.0:  # the whole edge: its polyline as it is
        return list(zip(network.geom_lon[a:b].tolist(), network.geom_lat[a:b].tolist(),
                        strict=True))
    x, y = network.geom_xy
    seg = np.hypot(np.diff(x[a:b]), np.diff(y[a:b]))
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    total = cum[-1]
    lat, lon = network.geom_lat[a:b], network.geom_lon[a:b]

    def at(f: float) -> tuple[float, float]:
        if total <= 0:
            return float(lon[0]), float(lat[0])
        d = min(max(f, 0.0), 1.0) * total
        k = int(min(np.searchsorted(cum, d, side="right") - 1, len(seg) - 1))
        r = 0.0 if seg[k] <= 0 else (d - cum[k]) / seg[k]
        return (float(lon[k] + r * (lon[k + 1] - lon[k])),
                float(lat[k] + r * (lat[k + 1] - lat[k])))

    out = [at(f0)]
    if total > 0:
        inner = np.flatnonzero((cum > f0 * total) & (cum < f1 * total))
        out.extend((float(lon[k]), float(lat[k])) for k in inner)
    out.append(at(f1))
    return out


def path_coordinates(
    network: RoadNetwork, a: SnappedPoint, b: SnappedPoint
) -> list[tuple[float, float]]:
    """The fastest route from ``a`` to ``b`` as a ``(lon, lat)`` polyline, for maps.

    Starts at ``a``'s snapped position and ends at ``b``'s; the same route as
    :func:`travel_matrix` times.

    Raises
    ------
    NetworkError
        If ``b`` cannot be reached from ``a``.
    """
    ends = _ends(network, [a, b])
    # Direct along a shared edge when that is at least as fast as via nodes (as in the matrix).
    direct: tuple[float, int, float, float] | None = None
    for ea, fa in ends.placements[0]:
        for eb, fb in ends.placements[1]:
            if ea == eb and fb >= fa:
                t = (fb - fa) * float(network.edge_travel_s[ea])
                if direct is None or t < direct[0]:
                    direct = (t, ea, fa, fb)

    graph = _reduced_graph(network)
    exits = [j for j in range(2) if np.isfinite(ends.exit_s[0, j])]
    entries = [j for j in range(2) if np.isfinite(ends.entry_s[1, j])]
    src_nodes = np.array([ends.exit_node[0, j] for j in exits], dtype=np.int64)
    dist, pred = dijkstra(graph.csr, directed=True, indices=src_nodes, return_predecessors=True)
    best: tuple[float, int, int] | None = None
    for r, i in enumerate(exits):
        for j in entries:
            t = ends.exit_s[0, i] + dist[r, ends.entry_node[1, j]] + ends.entry_s[1, j]
            if np.isfinite(t) and (best is None or t < best[0]):
                best = (float(t), r, j)

    if direct is not None and (best is None or direct[0] <= best[0]):
        _, e, fa, fb = direct
        coords = _edge_slice(network, e, fa, fb)
    elif best is None:
        raise NetworkError(f"no route from point {a.point_id!r} to point {b.point_id!r}")
    else:
        _, r, j = best
        ea, fa = ends.placements[0][exits[r]]
        eb, fb = ends.placements[1][j]
        nodes = [int(ends.entry_node[1, j])]
        source = int(src_nodes[r])
        while nodes[-1] != source:
            nodes.append(int(pred[r, nodes[-1]]))
        nodes.reverse()
        coords = _edge_slice(network, ea, fa, 1.0)
        for u, v in itertools.pairwise(nodes):
            pos = int(np.searchsorted(graph.keys, u * network.n_nodes + v))
            coords.extend(_edge_slice(network, int(graph.edge[pos]), 0.0, 1.0))
        coords.extend(_edge_slice(network, eb, 0.0, fb))
    deduped = [coords[0]]
    for c in coords[1:]:
        if c != deduped[-1]:
            deduped.append(c)
    return deduped


# --------------------------------------------------------------------------------------------
# Benchmark


def bench_matrix(network: RoadNetwork, n: int = 500, seed: int = 0) -> dict[str, float]:
    """Time an ``n x n`` node matrix with scipy against networkx.

    networkx (pure Python) runs ``single_source_dijkstra_path_length`` from a subsample of at
    most 20 of the sources; its time is extrapolated to all ``n`` sources.

    Returns
    -------
    dict
        ``n``, ``scipy_s`` (times and lengths), ``networkx_s`` (extrapolated, times only),
        ``networkx_sources_timed``, ``networkx_extrapolated`` (1.0 when extrapolated),
        ``speedup`` (``networkx_s / scipy_s``).
    """
    if network.n_nodes == 0:
        raise NetworkError(f"road network {network.source} has no nodes")
    rng = np.random.default_rng(seed)
    replace = n > network.n_nodes
    sources = rng.choice(network.n_nodes, size=n, replace=replace)
    targets = rng.choice(network.n_nodes, size=n, replace=replace)

    _GRAPHS.pop(network, None)  # time the graph's preparation too
    start = time.perf_counter()
    node_matrix(network, sources, targets)
    scipy_s = time.perf_counter() - start

    g = network.to_networkx()
    sample = sources[: min(n, 20)]
    start = time.perf_counter()
    for s in sample:
        lengths = nx.single_source_dijkstra_path_length(g, int(s), weight="travel_s")
        [lengths.get(int(t)) for t in targets]
    nx_sample_s = time.perf_counter() - start
    networkx_s = nx_sample_s * n / max(len(sample), 1)
    return {
        "n": float(n),
        "scipy_s": scipy_s,
        "networkx_s": networkx_s,
        "networkx_sources_timed": float(len(sample)),
        "networkx_extrapolated": float(len(sample) < n),
        "speedup": networkx_s / scipy_s if scipy_s > 0 else float("inf"),
    }
