"""Point-to-point road times on a :class:`RoadNetwork`: snapping and bounded Dijkstra.

The output is the long ``origin, destination, minutes`` table :func:`apl.compute_apl`
reads. Times are exact shortest times on the graph (no turn costs, no traffic).
"""

from __future__ import annotations

import os
import queue
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import DuplicateError, MissingColumnError, ValidationError
from ..validation import plain
from .kernels import bounded_dijkstra, bounded_dijkstra_reference
from .network import EARTH_RADIUS_M, RoadNetwork, haversine_m

__all__ = ["DEFAULT_MAX_SNAP_M", "SnapWarning", "snap_points", "travel_times"]

#: Points farther than this from every routable node (metres) are left out, with a warning.
DEFAULT_MAX_SNAP_M = 2000.0


class SnapWarning(UserWarning):
    """Some points lie too far from the road network and were left out."""


@dataclass
class _Snapped:
    ids: np.ndarray  # point ids (object)
    target: np.ndarray  # index into nodes (< n) or n + via row
    distance_m: np.ndarray  # metres from the point to its node
    ok: np.ndarray  # within the snapping threshold


def _points(table: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(table, pd.DataFrame):
        raise ValidationError(f"{what}: expected a DataFrame with an id column ('commune' or 'id') and lon, lat; "
                              f"got {type(table).__name__}.", table=what)  # fmt: skip
    id_col = "commune" if "commune" in table.columns else "id" if "id" in table.columns else None
    missing = [c for c in ("lon", "lat") if c not in table.columns] + (
        [] if id_col else ["commune (or id)"]
    )
    if missing:
        raise MissingColumnError(f"{what}: missing column(s) {missing}; found {list(table.columns)}. "
                                 "Expected an id column 'commune' or 'id', and lon, lat in WGS84 degrees.",
                                 table=what, column=missing[0])  # fmt: skip
    assert id_col is not None
    # Ids keep their kind (integers stay integers): compute_apl matches 1 with 1, never with '1'.
    column = table[id_col]
    if column.isna().any():
        k = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise ValidationError(f"{what}: row {plain(table.index[k])!r}, column {id_col!r}: missing id.",
                              table=what, column=id_col, row=table.index[k])  # fmt: skip
    ids = np.array([plain(v) for v in column.to_numpy(dtype=object)], dtype=object)
    dup = pd.Series(ids).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        raise DuplicateError(f"{what}: id {ids[k]!r} appears more than once (row {plain(table.index[k])!r}); ids "
                             "must be unique.", table=what, column=id_col, row=table.index[k])  # fmt: skip
    coords = []
    for col, bound in (("lon", 180.0), ("lat", 90.0)):
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) | (np.abs(values) > bound)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"{what}: row {plain(table.index[k])!r} (id {ids[k]!r}), column {col!r}: expected "
                                  f"WGS84 degrees within ±{bound:g}, found {plain(table[col].iloc[k])!r}.",
                                  table=what, column=col, row=table.index[k])  # fmt: skip
        coords.append(values)
    return ids, coords[0], coords[1]


def _id_column(ids: np.ndarray) -> np.ndarray:
    """Point ids as an output column: int64 when they are all integers (as the input's),
    else objects (text codes stay text)."""
    if ids.size and pd.api.types.infer_dtype(ids, skipna=False) == "integer":
        return ids.astype(np.int64)
    return ids


def _xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geocentric coordinates on the sphere (metres): chord length is monotone in distance."""
    lo, la = np.radians(lon), np.radians(lat)
    return EARTH_RADIUS_M * np.column_stack(
        [np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    )


def snap_points(network: RoadNetwork, table: pd.DataFrame, *, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                what: str = "points") -> pd.DataFrame:  # fmt: skip
    """Nearest routable node of each point (a graph node or a contracted via node).

    Returns a DataFrame indexed by point id: ``node_id`` (OSM id of the node), ``lon``,
    ``lat`` (the node's), ``snap_m`` (metres, great circle) and ``routable``
    (``snap_m <= max_snap_m``).
    """
    snapped = _snap(network, table, max_snap_m, what, tree=None)
    all_id = np.concatenate([network.node_id, network.via["node_id"].to_numpy(np.int64)])
    all_lon = np.concatenate([network.lon, network.via["lon"].to_numpy(np.float64)])
    all_lat = np.concatenate([network.lat, network.via["lat"].to_numpy(np.float64)])
    t = snapped.target
    return pd.DataFrame({"node_id": all_id[t], "lon": all_lon[t], "lat": all_lat[t], "snap_m": snapped.distance_m,
                         "routable": snapped.ok}, index=pd.Index(snapped.ids, name="id"))  # fmt: skip


def _tree(network: RoadNetwork) -> tuple[cKDTree, np.ndarray, np.ndarray]:
    lon = np.concatenate([network.lon, network.via["lon"].to_numpy(np.float64)])
    lat = np.concatenate([network.lat, network.via["lat"].to_numpy(np.float64)])
    return cKDTree(_xyz(lon, lat)), lon, lat


def _snap(
    network: RoadNetwork, table: pd.DataFrame, max_snap_m: float, what: str, tree
) -> _Snapped:
    ids, lon, lat = _points(table, what)
    if tree is None:
        tree = _tree(network)
    kd, all_lon, all_lat = tree
    if len(ids) == 0 or kd.n == 0:
        target = np.zeros(len(ids), dtype=np.int64)
        dist = np.full(len(ids), np.inf)
    else:
        _, target = kd.query(_xyz(lon, lat))
        target = np.asarray(target, dtype=np.int64)
        dist = haversine_m(lon, lat, all_lon[target], all_lat[target])
    return _Snapped(ids, target, dist, dist <= max_snap_m)


class _Via:
    """The via table as NumPy arrays (per-origin pandas lookups would dominate small searches)."""

    def __init__(self, network: RoadNetwork) -> None:
        via = network.via
        self.n = network.n_nodes
        self.chain = via["chain"].to_numpy(np.int64)
        self.pos = via["pos"].to_numpy(np.int64)
        self.tail = via["tail"].to_numpy(np.int64)
        self.head = via["head"].to_numpy(np.int64)
        self.tail_to = via["tail_to"].to_numpy(np.float64)
        self.to_head = via["to_head"].to_numpy(np.float64)
        self.head_to = via["head_to"].to_numpy(np.float64)
        self.to_tail = via["to_tail"].to_numpy(np.float64)

    def seeds(self, target: int) -> tuple[np.ndarray, np.ndarray]:
        """Start nodes and offsets (minutes) of an origin snapped to `target`."""
        if target < self.n:
            return np.asarray([target], dtype=np.int64), np.zeros(1)
        v = target - self.n
        nodes = np.asarray([self.tail[v], self.head[v]], dtype=np.int64)
        minutes = np.asarray([self.to_tail[v], self.to_head[v]])
        ok = np.isfinite(minutes)
        return nodes[ok], minutes[ok]

    def destination_index(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR node → (destination, offset minutes); a via destination hangs on both chain ends."""
        n = self.n
        kept = target < n
        nodes = [target[kept]]
        dests = [np.flatnonzero(kept)]
        offs = [np.zeros(int(kept.sum()))]
        vd = np.flatnonzero(~kept)
        v = target[vd] - n
        for node, off in ((self.tail[v], self.tail_to[v]), (self.head[v], self.head_to[v])):
            ok = np.isfinite(off)
            nodes.append(node[ok])
            dests.append(vd[ok])
            offs.append(off[ok])
        return _destination_csr(nodes, dests, offs, n)

    def chain_groups(self, target: np.ndarray) -> dict[int, np.ndarray]:
        """Chain → destinations (indices into `target`) snapped to via nodes of that chain."""
        vd = np.flatnonzero(target >= self.n)
        if len(vd) == 0:
            return {}
        chains = self.chain[target[vd] - self.n]
        order = np.argsort(chains, kind="stable")
        keys, starts = np.unique(chains[order], return_index=True)
        return dict(zip(keys.tolist(), np.split(vd[order], starts[1:]), strict=True))

    def same_chain(self, o_target: int, d_target: np.ndarray, groups: dict[int, np.ndarray], limit: float
                   ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Times along the chain itself from a via origin to via destinations of the same chain."""
        if o_target < self.n:  # a destination on the origin's own node: 0 minutes
            same = np.flatnonzero(d_target == o_target)
            return same, np.zeros(len(same))
        o = o_target - self.n
        cand = groups.get(int(self.chain[o]))
        if cand is None:
            return np.empty(0, dtype=np.int64), np.empty(0)
        d = d_target[cand] - self.n
        pos = self.pos[d]
        t = np.full(len(cand), np.inf)
        t[pos == self.pos[o]] = 0.0
        if np.isfinite(self.tail_to[o]):  # the chain runs tail → head
            ahead = pos > self.pos[o]
            t[ahead] = self.tail_to[d][ahead] - self.tail_to[o]
        if np.isfinite(self.to_tail[o]):  # the chain runs head → tail
            behind = pos < self.pos[o]
            t[behind] = self.to_tail[o] - self.to_tail[d][behind]
        ok = t <= limit
        return cand[ok], t[ok]


class _TurnVia(_Via):
    """Seeds and destinations on the edge-based turn graph (nodes = directed road edges).

    A distance on that graph is the time at the *start* of a road edge, after the turn onto
    it; a destination node is reached at the end of an edge entering it, a contracted node
    part-way along its chain's edge.
    """

    def __init__(self, network: RoadNetwork) -> None:
        super().__init__(network)
        turns = network.turns
        assert turns is not None
        self.turns = turns
        self.k = len(turns.tail)
        self.out_ptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(turns.tail, minlength=self.n), out=self.out_ptr[1:])
        n_chains = int(self.chain.max()) + 1 if len(self.chain) else 0
        self.chain_edge = turns.chain_edge(n_chains)
        g = turns.graph
        self.indptr, self.indices, self.data = (
            g.indptr.astype(np.int64),
            g.indices.astype(np.int64),
            g.data,
        )

    def seeds(self, target: int) -> tuple[np.ndarray, np.ndarray]:
        if target < self.n:  # every road edge leaving the node, from its start
            edges = np.arange(self.out_ptr[target], self.out_ptr[target + 1], dtype=np.int64)
            return edges, np.zeros(len(edges))
        # Part-way along its chain's edge: the rest of the edge, then each turn at its end
        # (graph weight minus the part of the edge already behind). The edge itself is not a
        # seed, so that a trip round the block back onto it still counts; destinations ahead
        # on it and its end node are added by same_chain.
        v = target - self.n
        nodes, minutes = [], []
        for edge, remaining in ((self.chain_edge[self.chain[v], 0], self.to_head[v]),
                                (self.chain_edge[self.chain[v], 1], self.to_tail[v])):  # fmt: skip
            if edge >= 0 and np.isfinite(remaining):
                j = slice(self.indptr[edge], self.indptr[edge + 1])
                nodes.append(self.indices[j])
                minutes.append(self.data[j] - self.turns.minutes[edge] + remaining)
        if not nodes:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return np.concatenate(nodes), np.maximum(np.concatenate(minutes), 0.0)

    def same_chain(self, o_target: int, d_target: np.ndarray, groups: dict[int, np.ndarray], limit: float
                   ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        idx, t = super().same_chain(o_target, d_target, groups, limit)
        if o_target < self.n:
            return idx, t
        v = o_target - self.n
        idx_all, t_all = [idx], [t]
        for end, remaining in ((self.head[v], self.to_head[v]), (self.tail[v], self.to_tail[v])):
            if np.isfinite(remaining) and remaining <= limit:  # the chain's end node itself
                at_end = np.flatnonzero(d_target == end)
                idx_all.append(at_end)
                t_all.append(np.full(len(at_end), remaining))
        return np.concatenate(idx_all).astype(np.int64), np.concatenate(t_all)

    def destination_index(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        kept = np.flatnonzero(target < self.n)
        # a kept destination: the end of every road edge entering it
        by_head = np.argsort(self.turns.head, kind="stable")
        in_ptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.turns.head, minlength=self.n), out=in_ptr[1:])
        counts = in_ptr[target[kept] + 1] - in_ptr[target[kept]]
        offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        edges_in = by_head[np.repeat(in_ptr[target[kept]], counts) + offs]
        nodes = [edges_in]
        dests = [np.repeat(kept, counts)]
        off = [self.turns.minutes[edges_in]]
        vd = np.flatnonzero(target >= self.n)
        v = target[vd] - self.n
        for col, along in ((0, self.tail_to[v]), (1, self.head_to[v])):
            edge = self.chain_edge[self.chain[v], col] if len(v) else np.empty(0, dtype=np.int64)
            ok = (edge >= 0) & np.isfinite(along)
            nodes.append(edge[ok])
            dests.append(vd[ok])
            off.append(along[ok])
        return _destination_csr(nodes, dests, off, self.k)


def _destination_csr(
    nodes: list[np.ndarray], dests: list[np.ndarray], offs: list[np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR node → (destination, offset minutes) of :func:`bounded_dijkstra` over `n` nodes,
    from pieces of (node, destination, offset); a node's entries keep their piece order."""
    node_all = np.concatenate(nodes).astype(np.int64)
    order = np.argsort(node_all, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(node_all, minlength=n), out=ptr[1:])
    return ptr, np.concatenate(dests).astype(np.int64)[order], np.concatenate(offs)[order]


def travel_times(
    network: RoadNetwork,
    origins: pd.DataFrame,
    destinations: pd.DataFrame | None = None,
    *,
    max_minutes: float = 30.0,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    n_jobs: int | None = None,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
    turn_costs: bool | None = None,
) -> pd.DataFrame:
    """Road times (minutes) between points, every pair reachable within `max_minutes`.

    Parameters
    ----------
    network : RoadNetwork
        From :func:`read_road_network` or :func:`load_road_network`.
    origins, destinations : pandas.DataFrame
        An id column ``commune`` (or ``id``) and ``lon``, ``lat`` (WGS84 degrees), e.g.
        :func:`commune_points`. ``destinations=None`` means the same points as `origins`.
    max_minutes : float, default 30
        Pairs farther than this (minutes) are not reported (unreachable for the APL).
    max_snap_m : float, default 2000
        A point is snapped to its nearest routable node (great-circle metres); points
        farther than this are left out, listed in ``attrs["unsnapped"]``, with a
        :class:`SnapWarning`.
    n_jobs : int, optional
        Threads (default: all cores). The kernel releases the GIL.
    engine : {"numba", "reference"}
        ``"reference"`` runs the plain-Python twin (slow, single-threaded; for checks).
    progress : callable, optional
        Called as ``progress(origins_done, origins_total)`` as batches finish.
    turn_costs : bool, optional
        Route on the network's turn graph (OSRM's car turn durations, U-turns only at dead
        ends). Default: whenever the network has one (``read_road_network`` builds it).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (ids of the input points, of the same kind: text
        codes stay text, integer ids stay integers) and ``minutes`` (float64), in the order
        of the input points (by origin, then destination); an origin to itself is 0.
        ``attrs``: ``snap_m`` (``{"origins": {id: metres}, "destinations": {...}}``),
        ``unsnapped`` (ids left out), ``max_minutes``, ``max_snap_m``, ``network``
        (source and counts).
    """
    if not (np.isfinite(max_minutes) and max_minutes >= 0):
        raise ValidationError(
            f"max_minutes must be a finite number ≥ 0, got {plain(max_minutes)!r}.",
            column="max_minutes",
        )
    if engine not in ("numba", "reference"):
        raise ValidationError(f"engine must be 'numba' or 'reference', got {engine!r}.")
    tree = _tree(network)
    so = _snap(network, origins, max_snap_m, "origins", tree)
    sd = (
        so
        if destinations is None
        else _snap(network, destinations, max_snap_m, "destinations", tree)
    )
    unsnapped = {"origins": so.ids[~so.ok].tolist(), "destinations": sd.ids[~sd.ok].tolist()}
    checked = [("origins", so)] + ([("destinations", sd)] if destinations is not None else [])
    for what, s in checked:
        if (~s.ok).any():
            far = [
                f"{i} ({m:,.0f} m)"
                for i, m in zip(s.ids[~s.ok][:10], s.distance_m[~s.ok][:10], strict=True)
            ]
            warnings.warn(f"{int((~s.ok).sum())} of {len(s.ids)} {what} lie more than {max_snap_m:,.0f} m from the road "
                          f"network and are left out: {', '.join(far)}{' …' if (~s.ok).sum() > 10 else ''} "
                          "(listed in result.attrs['unsnapped']).", SnapWarning, stacklevel=2)  # fmt: skip
    o_rows = np.flatnonzero(so.ok)
    d_rows = np.flatnonzero(sd.ok)
    d_target = sd.target[d_rows]
    use_turns = network.turns is not None if turn_costs is None else bool(turn_costs)
    if use_turns and network.turns is None:
        raise ValidationError("turn_costs=True needs a network built with turn costs "
                              "(read_road_network(..., turn_costs=True)).")  # fmt: skip
    via = _TurnVia(network) if use_turns else _Via(network)
    dest_ptr, dest_idx, dest_off = via.destination_index(d_target)
    groups = via.chain_groups(d_target)
    g = network.turns.graph if use_turns and network.turns is not None else network.graph
    indptr, indices, weights = (
        g.indptr.astype(np.int64),
        g.indices.astype(np.int64),
        g.data.astype(np.float64),
    )
    limit = float(max_minutes)
    n, n_dest = g.shape[0], len(d_rows)

    scratch: queue.SimpleQueue = queue.SimpleQueue()  # one set of work arrays per thread, reused

    def run(batch: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        out = []
        if engine == "numba":
            try:
                work = scratch.get_nowait()
            except queue.Empty:
                work = (np.full(n, np.inf), np.zeros(n, dtype=np.bool_), np.full(max(n_dest, 1), np.inf),
                        np.empty(min(len(weights) + 4, 1 << 20)), np.empty(min(len(weights) + 4, 1 << 20), dtype=np.int64),
                        np.empty(n, dtype=np.int64))  # fmt: skip
        for row in batch:
            target = int(so.target[row])
            seeds, seed_min = via.seeds(target)
            if engine == "numba":
                idx, mins = bounded_dijkstra(indptr, indices, weights, seeds, seed_min, limit, dest_ptr, dest_idx,
                                             dest_off, *work)  # fmt: skip
            else:
                idx, mins = bounded_dijkstra_reference(indptr, indices, weights, seeds, seed_min, limit,
                                                       dest_ptr, dest_idx, dest_off)  # fmt: skip
            direct_idx, direct_min = via.same_chain(target, d_target, groups, limit)
            if len(direct_idx):
                # keep the smaller time of each destination found both ways (NumPy: this
                # runs once per origin, a pandas groupby would cost more than the search)
                all_idx = np.concatenate([idx, direct_idx])
                all_min = np.concatenate([mins, direct_min])
                order = np.lexsort((all_min, all_idx))
                all_idx, all_min = all_idx[order], all_min[order]
                first = np.ones(len(all_idx), dtype=bool)
                first[1:] = all_idx[1:] != all_idx[:-1]
                idx, mins = all_idx[first], all_min[first]
            out.append((int(row), idx, mins))
        if engine == "numba":
            scratch.put(work)
        return out

    total = len(o_rows)
    jobs = max(1, min(n_jobs or os.cpu_count() or 1, total)) if engine == "numba" else 1
    n_batches = min(total, max(jobs * 8, min(200, total)))
    batches = [b for b in np.array_split(o_rows, n_batches) if len(b)] if total else []
    results: list[tuple[int, np.ndarray, np.ndarray]] = []
    finished = 0
    if progress is not None:
        progress(0, total)
    if jobs == 1:
        for batch in batches:
            results.extend(run(batch))
            finished += len(batch)
            if progress is not None:
                progress(finished, total)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run, b): len(b) for b in batches}
            for fut in as_completed(futures):
                results.extend(fut.result())
                finished += futures[fut]
                if progress is not None:
                    progress(finished, total)
    results.sort(key=lambda r: r[0])
    counts = np.asarray([len(r[1]) for r in results], dtype=np.int64)
    o_idx = np.repeat(np.asarray([r[0] for r in results], dtype=np.int64), counts)
    d_pos = np.concatenate([r[1] for r in results]) if results else np.empty(0, dtype=np.int64)
    minutes = np.concatenate([r[2] for r in results]) if results else np.empty(0)
    d_idx = d_rows[d_pos.astype(np.int64)]
    order = np.lexsort((d_idx, o_idx))
    table = pd.DataFrame({"origin": _id_column(so.ids[o_idx[order]]), "destination": _id_column(sd.ids[d_idx[order]]),
                          "minutes": minutes[order].astype(np.float64)})  # fmt: skip
    table.attrs.update({
        "format": "apl.routing", "max_minutes": limit, "max_snap_m": float(max_snap_m),
        "snap_m": {"origins": dict(zip(so.ids.tolist(), so.distance_m.tolist(), strict=True)),
                   "destinations": dict(zip(sd.ids.tolist(), sd.distance_m.tolist(), strict=True))},
        "unsnapped": unsnapped,
        "network": {"source": network.info.get("source"), "nodes": network.n_nodes, "edges": network.n_edges},
        "turn_costs": use_turns,
    })  # fmt: skip
    return table
