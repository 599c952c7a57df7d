"""The routable road graph: :class:`RoadNetwork`, built from OSM ways, cached on disk.

Nodes are OSM nodes; an edge is a way segment in a drivable direction, weighted by its
time in minutes. Only the largest strongly connected component is kept (from any node
you can drive to any other), and chains of nodes that only pass traffic along a way
(degree 2) are contracted into single edges. A contracted node is not lost: it stays a
"via" node, placed on its chain with the minutes to and from both chain ends, so points
can still be snapped to it and every time is the same as on the uncontracted graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import DataFormatError
from .kernels import contract_chains
from .osm import OsmWays, read_ways
from .profile import CarProfile, get_profile

__all__ = ["EARTH_RADIUS_M", "RoadNetwork", "haversine_m", "load_road_network", "read_road_network"]

#: Sphere radius (metres) for segment lengths, OSRM's ``EARTH_RADIUS``.
EARTH_RADIUS_M = 6_372_797.560856
#: Smallest edge time (minutes): two distinct OSM nodes at the same coordinates get this
#: instead of 0, so sparse tools never mistake the edge for a missing one (0.06 ms).
MIN_EDGE_MINUTES = 1e-6
_FORMAT_VERSION = 1
#: Ids of the copies of a split barrier node start below this (OSM ids are positive).
BARRIER_COPY_ID = -(2**40)


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres between WGS84 points (degrees), vectorised."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@dataclass
class RoadNetwork:
    """A routable road graph (car profile), its nodes and its contracted nodes.

    Attributes
    ----------
    graph : scipy.sparse.csr_matrix
        ``graph[i, j]`` = minutes from node ``i`` to node ``j`` (float64, all > 0).
    lon, lat : float64 arrays
        WGS84 degrees of each node of `graph`.
    node_id : int64 array
        OSM node id of each node of `graph`.
    via : pandas.DataFrame
        Contracted nodes: ``node_id, lon, lat, chain, pos, tail, head`` and the minutes
        ``tail_to`` (tail → node along the chain), ``to_head``, ``head_to``, ``to_tail``
        (inf when the chain is one-way against that direction). ``tail``/``head`` are node
        numbers of `graph`. Empty when the network is not contracted.
    info : dict
        Source file, profile, counts (ways, nodes, what was left out and why).
    turns : TurnGraph or None
        The edge-based graph with OSRM's turn durations, used by :func:`travel_times` when
        present (``read_road_network(..., turn_costs=True)``, the default).
    """

    graph: sp.csr_matrix
    lon: np.ndarray
    lat: np.ndarray
    node_id: np.ndarray
    via: pd.DataFrame = field(default_factory=lambda: _empty_via())
    info: dict = field(default_factory=dict)
    turns: TurnGraph | None = None

    @property
    def n_nodes(self) -> int:
        """Nodes of the routing graph (after contraction)."""
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        """Directed edges of the routing graph."""
        return int(self.graph.nnz)

    def __repr__(self) -> str:
        return (f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} edges, {len(self.via):,} contracted nodes, "
                f"source={self.info.get('source')!r})")  # fmt: skip

    def save(self, path: str | Path) -> Path:
        """Write the network to the directory `path` (created): NumPy arrays + Parquet + JSON.

        Files: ``graph.npz`` (CSR arrays), ``nodes.parquet``, ``via.parquet``,
        ``info.json``. Read back with :func:`load_road_network`.
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        g = self.graph
        np.savez(path / "graph.npz", indptr=g.indptr.astype(np.int64), indices=g.indices.astype(np.int64),
                 data=g.data, shape=np.asarray(g.shape, dtype=np.int64))  # fmt: skip
        pd.DataFrame({"node_id": self.node_id, "lon": self.lon, "lat": self.lat}).to_parquet(
            path / "nodes.parquet"
        )
        self.via.to_parquet(path / "via.parquet")
        if self.turns is not None:
            t = self.turns
            np.savez(path / "turns.npz", indptr=t.graph.indptr.astype(np.int64), indices=t.graph.indices.astype(np.int64),
                     data=t.graph.data, tail=t.tail, head=t.head, minutes=t.minutes, chain=t.chain, backward=t.backward)  # fmt: skip
        elif (path / "turns.npz").exists():
            (path / "turns.npz").unlink()
        meta = {"format": "apl-road-network", "version": _FORMAT_VERSION, "info": self.info}
        (path / "info.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
        return path


def bearing(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Compass bearing (degrees clockwise from north) from point 1 to point 2, vectorised."""
    lon1, lat1, lon2, lat2 = (np.asarray(a, dtype=np.float64) for a in (lon1, lat1, lon2, lat2))
    dx = (lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    return np.degrees(np.arctan2(dx, lat2 - lat1))


@dataclass
class RawEdges:
    """Directed road edges before parallel edges are merged (one per road and direction)."""

    u: np.ndarray
    v: np.ndarray
    minutes: np.ndarray
    first_bearing: np.ndarray
    last_bearing: np.ndarray
    chain: np.ndarray  # chain id of a contracted road, -1 for a plain segment
    backward: np.ndarray  # the chain driven head → tail


def straight_edges(graph: sp.csr_matrix, lon: np.ndarray, lat: np.ndarray) -> RawEdges:
    """The edges of an uncontracted `graph` (minutes) as straight segments between its nodes.

    Each edge leaves and arrives with the bearing (degrees) of the segment from node
    (`lon`, `lat`, WGS84) to node; no edge is a contracted chain.
    """
    coo = graph.tocoo()
    r, c = coo.row.astype(np.int64), coo.col.astype(np.int64)
    seg = bearing(lon[r], lat[r], lon[c], lat[c])
    return RawEdges(
        r,
        c,
        coo.data,
        seg,
        seg,
        np.full(len(r), -1, dtype=np.int64),
        np.zeros(len(r), dtype=bool),
    )


#: OSRM car ``turn_penalty`` (s), ``turn_bias`` and ``u_turn_penalty`` (s).
TURN_PENALTY_S, TURN_BIAS, U_TURN_PENALTY_S = 7.5, 1.075, 20.0


def turn_seconds(angle: np.ndarray) -> np.ndarray:
    """OSRM car turn duration (s) for a turn angle in degrees (0 straight, + right, − left).

    ``7.5 / (1 + exp(−(13 / 1.075 × a / 180 − 6.5 × 1.075)))`` to the right and
    ``7.5 / (1 + exp(−(13 × 1.075 × |a| / 180 − 6.5 / 1.075)))`` to the left (right-hand
    traffic: left turns cost more): ~0 straight on, 2.1 s for a right angle to the right,
    5.4 s to the left, 7.5 s for a U-turn (plus 20 s).
    """
    a = np.asarray(angle, dtype=np.float64)
    right = TURN_PENALTY_S / (1 + np.exp(-((13 / TURN_BIAS) * a / 180 - 6.5 * TURN_BIAS)))
    left = TURN_PENALTY_S / (1 + np.exp(-((13 * TURN_BIAS) * -a / 180 - 6.5 / TURN_BIAS)))
    return np.where(a >= 0, right, left)


@dataclass
class TurnGraph:
    """Edge-based graph: one node per directed road edge, one edge per allowed turn.

    Attributes
    ----------
    graph : scipy.sparse.csr_matrix
        ``graph[i, j]`` = minutes from the start of road edge ``i`` to the start of road edge
        ``j``: edge ``i``'s time plus the turn at their common node (OSRM's car turn
        duration where more than two roads meet, U-turns only at dead ends, +20 s).
    tail, head : int64 arrays
        Network nodes (rows of :attr:`RoadNetwork.graph`) each road edge leaves and enters;
        sorted by `tail`.
    minutes : float64 array
        Time of each road edge.
    chain : int64 array
        Contracted chain of each road edge (−1 for a plain edge); `backward` marks the
        chain driven head → tail.
    """

    graph: sp.csr_matrix
    tail: np.ndarray
    head: np.ndarray
    minutes: np.ndarray
    chain: np.ndarray
    backward: np.ndarray

    def chain_edge(self, n_chains: int) -> np.ndarray:
        """(n_chains, 2) road edge of each chain forward / backward, −1 when closed."""
        out = np.full((n_chains, 2), -1, dtype=np.int64)
        on = self.chain >= 0
        out[self.chain[on], self.backward[on].astype(np.int64)] = np.flatnonzero(on)
        return out


def build_turn_graph(n: int, raw: RawEdges) -> TurnGraph:
    """Expand road edges into the edge-based turn graph (see :class:`TurnGraph`)."""
    order = np.argsort(raw.u, kind="stable")
    u, v, w = raw.u[order], raw.v[order], raw.minutes[order]
    b_first, b_last = raw.first_bearing[order], raw.last_bearing[order]
    chain, backward = raw.chain[order], raw.backward[order]
    k_all = len(u)
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=out_ptr[1:])
    # roads meeting at each node: one end per undirected road (a ring has two ends)
    a, b = np.minimum(u, v), np.maximum(u, v)
    by = np.lexsort((chain, b, a))
    new_road = np.ones(k_all, dtype=bool)
    new_road[1:] = (np.diff(a[by]) != 0) | (np.diff(b[by]) != 0) | (np.diff(chain[by]) != 0)
    first_of_road = by[new_road]
    roads = np.bincount(a[first_of_road], minlength=n) + np.bincount(b[first_of_road], minlength=n)
    del a, b, by, new_road, first_of_road
    # every (edge into v, edge out of v) pair, a block of edges at a time (bounded memory)
    dsts, costs, per_src = [], [], []
    block = 1 << 21
    for lo in range(0, k_all, block):
        ks = np.arange(lo, min(lo + block, k_all))
        counts = out_ptr[v[ks] + 1] - out_ptr[v[ks]]
        src = np.repeat(ks, counts)
        offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        dst = np.repeat(out_ptr[v[ks]], counts) + offs
        node = v[src]
        same_road = (
            (v[dst] == u[src])
            & (chain[dst] == chain[src])
            & ((chain[src] < 0) | (backward[dst] != backward[src]))
        )
        keep = ~same_road | (roads[node] == 1)  # U-turns only at dead ends
        src, dst, node, same_road = src[keep], dst[keep], node[keep], same_road[keep]
        angle = (b_first[dst] - b_last[src] + 180.0) % 360.0 - 180.0
        penalty = np.where((roads[node] > 2) | same_road, turn_seconds(angle), 0.0)
        penalty += np.where(same_road, U_TURN_PENALTY_S, 0.0)
        dsts.append(dst.astype(np.int32 if k_all < 2**31 else np.int64))
        costs.append(w[src] + penalty / 60.0)
        per_src.append(np.bincount(src - lo, minlength=len(ks)))
    ptr = np.zeros(k_all + 1, dtype=np.int64)
    if k_all:
        np.cumsum(np.concatenate(per_src), out=ptr[1:])
    graph = sp.csr_matrix(
        (
            np.concatenate(costs) if costs else np.empty(0),
            np.concatenate(dsts) if dsts else np.empty(0, dtype=np.int32),
            ptr,
        ),
        shape=(k_all, k_all),
    )
    return TurnGraph(graph, u, v, w, chain, backward)


def _empty_via() -> pd.DataFrame:
    cols = {"node_id": np.int64, "lon": np.float64, "lat": np.float64, "chain": np.int64, "pos": np.int64,
            "tail": np.int64, "head": np.int64, "tail_to": np.float64, "to_head": np.float64,
            "head_to": np.float64, "to_tail": np.float64}  # fmt: skip
    return pd.DataFrame({c: np.empty(0, dtype=t) for c, t in cols.items()})


def load_road_network(path: str | Path) -> RoadNetwork:
    """Read a network written by :meth:`RoadNetwork.save` (no OSM parsing, no osmium needed)."""
    path = Path(path)
    try:
        meta = json.loads((path / "info.json").read_text(encoding="utf-8"))
        arrays = np.load(path / "graph.npz")
        nodes = pd.read_parquet(path / "nodes.parquet")
        via = pd.read_parquet(path / "via.parquet")
    except (OSError, ValueError) as exc:
        raise DataFormatError(
            f"{path}: not a saved apl road network ({exc}).", path=str(path)
        ) from None
    if meta.get("format") != "apl-road-network" or meta.get("version") != _FORMAT_VERSION:
        raise DataFormatError(f"{path}: info.json is not an apl road network of version {_FORMAT_VERSION}.",
                              path=str(path))  # fmt: skip
    shape = tuple(int(x) for x in arrays["shape"])
    graph = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
    turns = None
    if (path / "turns.npz").exists():
        t = np.load(path / "turns.npz")
        k = len(t["tail"])
        turns = TurnGraph(sp.csr_matrix((t["data"], t["indices"], t["indptr"]), shape=(k, k)), t["tail"], t["head"],
                          t["minutes"], t["chain"], t["backward"])  # fmt: skip
    return RoadNetwork(graph, nodes["lon"].to_numpy(np.float64), nodes["lat"].to_numpy(np.float64),
                       nodes["node_id"].to_numpy(np.int64), via.reset_index(drop=True), meta["info"], turns)  # fmt: skip


def _dedupe_min(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """CSR with the smallest weight of each (u, v); parallel ways keep the fastest."""
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return sp.csr_matrix((w, v, indptr), shape=(n, n))


def build_graph(ways: OsmWays) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, dict]:
    """OSM ways → (uncontracted CSR in minutes, lon, lat, node_id, counts)."""
    n_refs = len(ways.node_ref)
    way_of = np.repeat(np.arange(len(ways.way_ptr) - 1), np.diff(ways.way_ptr))
    a = np.flatnonzero(way_of[:-1] == way_of[1:]) if n_refs > 1 else np.empty(0, dtype=np.int64)
    b = a + 1
    has_loc = ~(np.isnan(ways.lon[a]) | np.isnan(ways.lon[b]))
    distinct = ways.node_ref[a] != ways.node_ref[b]
    a, b = a[has_loc & distinct], b[has_loc & distinct]
    seg_way = way_of[a]
    length = haversine_m(ways.lon[a], ways.lat[a], ways.lon[b], ways.lat[b])
    fwd, bwd, dur = ways.forward[seg_way], ways.backward[seg_way], ways.duration[seg_way]
    with np.errstate(divide="ignore", invalid="ignore"):
        # minutes = metres / (km/h × 1000 / 60)
        t_fwd = np.where(fwd > 0, length * 60.0 / (fwd * 1000.0), np.inf)
        t_bwd = np.where(bwd > 0, length * 60.0 / (bwd * 1000.0), np.inf)
        timed = ~np.isnan(dur)
        if timed.any():
            # a tagged duration covers the whole way: share it by segment length
            way_len = np.bincount(seg_way, weights=length, minlength=len(ways.forward))
            way_nseg = np.bincount(seg_way, minlength=len(ways.forward))
            share = np.where(
                way_len[seg_way] > 0,
                length / way_len[seg_way],
                1.0 / np.maximum(way_nseg[seg_way], 1),
            )
            t_dur = dur / 60.0 * share
            t_fwd = np.where(timed & (fwd > 0), t_dur, t_fwd)
            t_bwd = np.where(timed & (bwd > 0), t_dur, t_bwd)
    t_fwd = np.maximum(t_fwd, MIN_EDGE_MINUTES)
    t_bwd = np.maximum(t_bwd, MIN_EDGE_MINUTES)
    used = np.concatenate([a, b])
    refs = ways.node_ref[used].copy()
    # A barrier node (bollard, block…) is split into one dead-end copy per segment touching
    # it: a route may start or end there but not pass. Copies get ids below BARRIER_COPY_ID.
    split = np.isin(refs, ways.blocked_nodes)
    refs[split] = BARRIER_COPY_ID - np.flatnonzero(split)
    node_id, first, inverse = np.unique(refs, return_index=True, return_inverse=True)
    lon, lat = ways.lon[used][first], ways.lat[used][first]
    ia, ib = inverse[: len(a)], inverse[len(a) :]
    kf, kb = np.isfinite(t_fwd), np.isfinite(t_bwd)
    u = np.concatenate([ia[kf], ib[kb]])
    v = np.concatenate([ib[kf], ia[kb]])
    w = np.concatenate([t_fwd[kf], t_bwd[kb]])
    # Time lost passing a node (gate, traffic signals…) is added to every edge entering it.
    penalty_min = np.zeros(len(node_id))
    if len(ways.penalty_nodes):
        pos = np.searchsorted(node_id, ways.penalty_nodes)
        hit = (pos < len(node_id)) & (
            node_id[np.minimum(pos, len(node_id) - 1)] == ways.penalty_nodes
        )
        penalty_min[pos[hit]] = ways.penalty_s[hit] / 60.0
        w = w + penalty_min[v]
    graph = _dedupe_min(u.astype(np.int64), v.astype(np.int64), w, len(node_id))
    counts = dict(ways.counts)
    counts.update({"segments": len(a), "osm_nodes": len(node_id),
                   "barrier_nodes_split": len(np.unique(ways.node_ref[used][split])),
                   "nodes_with_time_penalty": int((penalty_min > 0).sum())})  # fmt: skip
    return graph, lon, lat, node_id, counts


def largest_scc(graph: sp.csr_matrix) -> np.ndarray:
    """Boolean mask of the nodes of the largest strongly connected component."""
    if graph.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    _, labels = connected_components(graph, directed=True, connection="strong")
    return labels == np.argmax(np.bincount(labels))


def contract(graph: sp.csr_matrix, lon: np.ndarray, lat: np.ndarray, node_id: np.ndarray
             ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, pd.DataFrame, RawEdges]:  # fmt: skip
    """Contract degree-2 chains.

    Returns the smaller graph, its nodes, the via table and every road edge (parallel
    roads and rings kept) with the bearings of its first and last segments.
    """
    n = graph.shape[0]
    g = graph.tocsr()
    g.sort_indices()
    t = g.T.tocsr()
    t.sort_indices()
    ip, ix, w = g.indptr.astype(np.int64), g.indices.astype(np.int64), g.data.astype(np.float64)
    jp, jx = t.indptr.astype(np.int64), t.indices.astype(np.int64)
    interior, chain_of, pos, f_pre, b_pre, chains = contract_chains(n, ip, ix, w, jp, jx)
    kept = ~interior
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[kept] = np.arange(int(kept.sum()))
    coo = g.tocoo()
    keep_edge = kept[coo.row] & kept[coo.col]
    tail = chains[:, 0].astype(np.int64)
    head = chains[:, 1].astype(np.int64)
    f_tot, b_tot = chains[:, 2], chains[:, 3]
    loop = tail == head  # a ring back to its anchor shortens no path
    cf = np.isfinite(f_tot) & ~loop
    cb = np.isfinite(b_tot) & ~loop
    u = np.concatenate([new_index[coo.row[keep_edge]], new_index[tail[cf]], new_index[head[cb]]])
    v = np.concatenate([new_index[coo.col[keep_edge]], new_index[head[cf]], new_index[tail[cb]]])
    wt = np.concatenate([coo.data[keep_edge], f_tot[cf], b_tot[cb]])
    small = _dedupe_min(u, v, wt, int(kept.sum()))
    vi = np.flatnonzero(interior)
    c = chain_of[vi]
    # Every road, parallel ones and rings included, for the turn graph: a slower parallel
    # road or a ring (a place to turn round) can be the better way once turns cost time.
    order = np.lexsort((pos[vi], c))
    co = c[order]
    starts = (
        np.flatnonzero(np.r_[True, co[1:] != co[:-1]]) if len(co) else np.empty(0, dtype=np.int64)
    )
    ends = np.r_[starts[1:], len(order)] - 1 if len(co) else np.empty(0, dtype=np.int64)
    first_via = np.full(len(chains), -1, dtype=np.int64)
    last_via = np.full(len(chains), -1, dtype=np.int64)
    first_via[c[order][starts]] = vi[order][starts]
    last_via[c[order][ends]] = vi[order][ends]
    rows, cols = coo.row[keep_edge].astype(np.int64), coo.col[keep_edge].astype(np.int64)
    cf_all, cb_all = np.isfinite(f_tot), np.isfinite(b_tot)
    cid = np.arange(len(chains))
    raw = RawEdges(
        u=np.concatenate([new_index[rows], new_index[tail[cf_all]], new_index[head[cb_all]]]),
        v=np.concatenate([new_index[cols], new_index[head[cf_all]], new_index[tail[cb_all]]]),
        minutes=np.concatenate([coo.data[keep_edge], f_tot[cf_all], b_tot[cb_all]]),
        first_bearing=np.concatenate([
            bearing(lon[rows], lat[rows], lon[cols], lat[cols]),
            bearing(lon[tail[cf_all]], lat[tail[cf_all]], lon[first_via[cf_all]], lat[first_via[cf_all]]),
            bearing(lon[head[cb_all]], lat[head[cb_all]], lon[last_via[cb_all]], lat[last_via[cb_all]]),
        ]),
        last_bearing=np.concatenate([
            bearing(lon[rows], lat[rows], lon[cols], lat[cols]),
            bearing(lon[last_via[cf_all]], lat[last_via[cf_all]], lon[head[cf_all]], lat[head[cf_all]]),
            bearing(lon[first_via[cb_all]], lat[first_via[cb_all]], lon[tail[cb_all]], lat[tail[cb_all]]),
        ]),
        chain=np.concatenate([np.full(len(rows), -1, dtype=np.int64), cid[cf_all], cid[cb_all]]),
        backward=np.concatenate([np.zeros(len(rows) + int(cf_all.sum()), dtype=bool), np.ones(int(cb_all.sum()), dtype=bool)]),
    )  # fmt: skip
    with np.errstate(invalid="ignore"):
        to_head = np.where(np.isfinite(f_tot[c]), f_tot[c] - f_pre[vi], np.inf)
        head_to = np.where(np.isfinite(b_tot[c]), b_tot[c] - b_pre[vi], np.inf)
    via = pd.DataFrame({
        "node_id": node_id[vi], "lon": lon[vi], "lat": lat[vi], "chain": c, "pos": pos[vi],
        "tail": new_index[tail[c]], "head": new_index[head[c]],
        "tail_to": np.where(np.isfinite(f_tot[c]), f_pre[vi], np.inf), "to_head": to_head,
        "head_to": head_to, "to_tail": np.where(np.isfinite(b_tot[c]), b_pre[vi], np.inf),
    })  # fmt: skip
    return small, lon[kept], lat[kept], node_id[kept], via, raw


def network_from_ways(
    ways: OsmWays, *, contract_graph: bool = True, turn_costs: bool = True, info: dict | None = None
) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from parsed ways (largest SCC, then contraction)."""
    graph, lon, lat, node_id, counts = build_graph(ways)
    keep = largest_scc(graph)
    counts["nodes_outside_largest_component"] = int((~keep).sum())
    idx = np.flatnonzero(keep)
    graph = graph[idx][:, idx].tocsr()
    lon, lat, node_id = lon[idx], lat[idx], node_id[idx]
    via = _empty_via()
    if contract_graph:
        graph, lon, lat, node_id, via, raw = contract(graph, lon, lat, node_id)
    else:
        raw = straight_edges(graph, lon, lat)
    turns = build_turn_graph(graph.shape[0], raw) if turn_costs else None
    if turns is not None:
        counts["turn_graph_edges"] = int(turns.graph.nnz)
    counts.update(
        {
            "routing_nodes": int(graph.shape[0]),
            "routing_edges": int(graph.nnz),
            "contracted_nodes": len(via),
        }
    )
    return RoadNetwork(graph, lon, lat, node_id, via, {**(info or {}), "counts": counts}, turns)


def read_road_network(
    path: str | Path,
    profile: str | CarProfile = "car",
    *,
    contract: bool = True,
    turn_costs: bool = True,
    node_cache: str = "flex_mem",
) -> RoadNetwork:
    """Read an OpenStreetMap file (``.osm.pbf`` or ``.osm`` XML) into a routable car network.

    Parameters
    ----------
    path : str or Path
        OSM extract (any mirror: Geofabrik, BBBike, openstreetmap.fr…).
    profile : "car" or CarProfile
        Which ways, directions and speeds (km/h); see :mod:`apl.routing.profile` and
        ``docs/routing.md``.
    contract : bool, default True
        Contract degree-2 chains (shortest times unchanged, graph several times smaller).
    turn_costs : bool, default True
        Also build the edge-based turn graph, so that times include OSRM's car turn
        durations (about 2 s to turn right, 5 s left, where more than two roads meet) and
        U-turns only at dead ends (+20 s). False: node-based times (no turn costs).
    node_cache : str, default "flex_mem"
        osmium's node-location index. In memory by default; for a country-size file on a
        machine with little RAM, a file-backed index such as
        ``"dense_file_array,/big/disk/nodes.cache"``.

    Returns
    -------
    RoadNetwork
        Edge weights in minutes; only the largest strongly connected component. What was
        left out is counted in ``network.info["counts"]``.

    Raises
    ------
    apl.errors.APLError
        osmium is not installed (``pip install "apl-drees[routing]"``).
    apl.errors.DataFormatError
        The file is missing, unreadable, or has no drivable road.
    """
    prof = get_profile(profile)
    ways = read_ways(path, prof, node_cache)
    if len(ways.way_id) == 0:
        raise DataFormatError(
            f"{path}: no way a car can use (no highway=* road, no ferry).", path=str(path)
        )
    return network_from_ways(
        ways,
        contract_graph=contract,
        turn_costs=turn_costs,
        info={"source": str(path), "profile": prof.name},
    )
