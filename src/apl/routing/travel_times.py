"""Point-to-point road times on a :class:`RoadNetwork`: snapping and bounded Dijkstra.

The output is the long ``origin, destination, minutes`` table :func:`apl.compute_apl`
reads. Times are exact shortest times on the graph (no turn costs, no traffic).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import DuplicateError, MissingColumnError, ValidationError
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
    ids = table[id_col].astype(str).to_numpy(dtype=object)
    dup = pd.Series(ids).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        raise DuplicateError(f"{what}: id {ids[k]!r} appears more than once (row {table.index[k]!r}); ids must be unique.",
                             table=what, column=id_col, row=table.index[k])  # fmt: skip
    coords = []
    for col, bound in (("lon", 180.0), ("lat", 90.0)):
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) | (np.abs(values) > bound)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"{what}: row {table.index[k]!r} (id {ids[k]!r}), column {col!r}: expected WGS84 "
                                  f"degrees within ±{bound:g}, found {table[col].iloc[k]!r}.",
                                  table=what, column=col, row=table.index[k])  # fmt: skip
        coords.append(values)
    return ids, coords[0], coords[1]


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


def _seeds(network: RoadNetwork, target: int) -> tuple[np.ndarray, np.ndarray]:
    n = network.n_nodes
    if target < n:
        return np.asarray([target], dtype=np.int64), np.zeros(1)
    row = network.via.iloc[target - n]
    nodes, minutes = [], []
    for node, t in ((row["tail"], row["to_tail"]), (row["head"], row["to_head"])):
        if np.isfinite(t):
            nodes.append(int(node))
            minutes.append(float(t))
    return np.asarray(nodes, dtype=np.int64), np.asarray(minutes, dtype=np.float64)


def _destination_index(
    network: RoadNetwork, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR node → (destination, offset minutes), offsets along a chain for via destinations."""
    n = network.n_nodes
    kept = target < n
    nodes = [target[kept]]
    dests = [np.flatnonzero(kept)]
    offs = [np.zeros(int(kept.sum()))]
    vd = np.flatnonzero(~kept)
    if len(vd):
        rows = network.via.iloc[target[vd] - n]
        for node_col, off_col in (("tail", "tail_to"), ("head", "head_to")):
            off = rows[off_col].to_numpy(np.float64)
            ok = np.isfinite(off)
            nodes.append(rows[node_col].to_numpy(np.int64)[ok])
            dests.append(vd[ok])
            offs.append(off[ok])
    node = np.concatenate(nodes).astype(np.int64)
    order = np.argsort(node, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(node, minlength=n), out=ptr[1:])
    return ptr, np.concatenate(dests).astype(np.int64)[order], np.concatenate(offs)[order]


def _same_chain(network: RoadNetwork, o_target: int, d_target: np.ndarray, limit: float
                ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Times along the chain itself when origin and destinations are via nodes of one chain."""
    n = network.n_nodes
    if o_target < n:
        return np.empty(0, dtype=np.int64), np.empty(0)
    via = network.via
    o = via.iloc[o_target - n]
    is_via = d_target >= n
    cand = np.flatnonzero(is_via)
    rows = via.iloc[d_target[cand] - n]
    same = rows["chain"].to_numpy() == o["chain"]
    cand, rows = cand[same], rows[same]
    pos = rows["pos"].to_numpy()
    t = np.full(len(cand), np.inf)
    t[pos == o["pos"]] = 0.0
    if np.isfinite(o["tail_to"]):
        ahead = pos > o["pos"]
        t[ahead] = rows["tail_to"].to_numpy()[ahead] - o["tail_to"]
    if np.isfinite(o["to_tail"]):
        behind = pos < o["pos"]
        t[behind] = o["to_tail"] - rows["to_tail"].to_numpy()[behind]
    ok = t <= limit
    return cand[ok], t[ok]


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

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (ids as text) and ``minutes`` (float64), sorted by
        origin then destination; an origin to itself is 0. ``attrs``: ``snap_m``
        (``{"origins": {id: metres}, "destinations": {...}}``), ``unsnapped`` (ids left
        out), ``max_minutes``, ``max_snap_m``, ``network`` (source and counts).
    """
    if not (np.isfinite(max_minutes) and max_minutes >= 0):
        raise ValidationError(
            f"max_minutes must be a finite number ≥ 0, got {max_minutes!r}.", column="max_minutes"
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
    dest_ptr, dest_idx, dest_off = _destination_index(network, d_target)
    g = network.graph
    indptr, indices, weights = (
        g.indptr.astype(np.int64),
        g.indices.astype(np.int64),
        g.data.astype(np.float64),
    )
    limit = float(max_minutes)
    n, n_dest = network.n_nodes, len(d_rows)

    def run(batch: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        out = []
        if engine == "numba":
            dist = np.full(n, np.inf)
            done = np.zeros(n, dtype=np.bool_)
            best = np.full(max(n_dest, 1), np.inf)
            heap_key = np.empty(len(weights) + 4)
            heap_node = np.empty(len(weights) + 4, dtype=np.int64)
            touched = np.empty(n, dtype=np.int64)
        for row in batch:
            seeds, seed_min = _seeds(network, int(so.target[row]))
            if engine == "numba":
                idx, mins = bounded_dijkstra(indptr, indices, weights, seeds, seed_min, limit, dest_ptr, dest_idx,
                                             dest_off, dist, done, best, heap_key, heap_node, touched)  # fmt: skip
            else:
                idx, mins = bounded_dijkstra_reference(indptr, indices, weights, seeds, seed_min, limit,
                                                       dest_ptr, dest_idx, dest_off)  # fmt: skip
            direct_idx, direct_min = _same_chain(network, int(so.target[row]), d_target, limit)
            if len(direct_idx):
                merged = (
                    pd.Series(np.concatenate([mins, direct_min]))
                    .groupby(np.concatenate([idx, direct_idx]))
                    .min()
                )
                idx, mins = merged.index.to_numpy(np.int64), merged.to_numpy(np.float64)
            out.append((int(row), idx, mins))
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
    table = pd.DataFrame({"origin": so.ids[o_idx[order]], "destination": sd.ids[d_idx[order]],
                          "minutes": minutes[order].astype(np.float64)})  # fmt: skip
    table.attrs.update({
        "format": "apl.routing", "max_minutes": limit, "max_snap_m": float(max_snap_m),
        "snap_m": {"origins": dict(zip(so.ids.tolist(), so.distance_m.tolist(), strict=True)),
                   "destinations": dict(zip(sd.ids.tolist(), sd.distance_m.tolist(), strict=True))},
        "unsnapped": unsnapped,
        "network": {"source": network.info.get("source"), "nodes": network.n_nodes, "edges": network.n_edges},
    })  # fmt: skip
    return table
