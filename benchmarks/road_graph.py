"""Synthetic road-like graphs for the routing benchmark (no France extract is available here).

:func:`synthetic_network` builds a contracted-graph-like :class:`apl.routing.RoadNetwork`
directly (intersections only, as after degree-2 contraction): a jittered grid of streets
~330 m apart whose lines carry a road class (residential 25 km/h, tertiary 40 every 3rd
line, secondary 55 every 15th, primary 65 every 45th), a quarter of residential links
missing, some one-way, detour factors 1.0–1.4 on lengths, and a motorway network (90 km/h)
every ~50 km with interchanges every ~10 km joined to the grid by 45 km/h links. At
5,000,000 nodes it covers ~550,000 km², the size of metropolitan France and of its
drivable graph after contraction.

:func:`write_synthetic_pbf` writes a synthetic ``.osm.pbf`` with pyosmium (a street grid,
``n_ways`` ways of ``nodes_per_way`` nodes), to time :func:`apl.routing.read_road_network`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from apl.routing import RoadNetwork
from apl.routing.network import build_turn_graph, largest_scc, straight_edges

KM_PER_DEG_LAT = 111.195
LAT0, LON0 = 46.5, 2.5  # centre of metropolitan France


def _to_lonlat(x_km: np.ndarray, y_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = LAT0 + y_km / KM_PER_DEG_LAT
    lon = LON0 + x_km / (KM_PER_DEG_LAT * np.cos(np.radians(LAT0)))
    return lon, lat


def synthetic_network(
    n_nodes: int = 5_000_000, seed: int = 0, spacing_km: float = 0.33, turn_costs: bool = True
) -> RoadNetwork:
    """A road-like graph of about `n_nodes` intersections (minutes per edge), with its turn
    graph (OSRM car turn durations) unless `turn_costs` is False."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n_nodes) + 0.5)
    n_grid = side * side
    idx = np.arange(n_grid).reshape(side, side)
    x = np.arange(side)[None, :] * spacing_km + rng.normal(0, spacing_km * 0.15, (side, side))
    y = np.arange(side)[:, None] * spacing_km + rng.normal(0, spacing_km * 0.15, (side, side))

    def line_speed(k: np.ndarray) -> np.ndarray:
        s = np.full(k.shape, 25.0)
        s[k % 3 == 0] = 40.0
        s[k % 15 == 0] = 55.0
        s[k % 45 == 0] = 65.0
        return s

    us, vs, ts = [], [], []
    for horizontal in (True, False):
        if horizontal:
            a, b = idx[:, :-1].ravel(), idx[:, 1:].ravel()
            speed = np.repeat(line_speed(np.arange(side)), side - 1)
        else:
            a, b = idx[:-1, :].ravel(), idx[1:, :].ravel()
            speed = np.tile(line_speed(np.arange(side)), side - 1)
        dist = np.hypot(x.ravel()[a] - x.ravel()[b], y.ravel()[a] - y.ravel()[b]) * rng.uniform(
            1.0, 1.4, len(a)
        )
        keep = (speed > 25.0) | (rng.random(len(a)) > 0.25)
        a, b, dist, speed = a[keep], b[keep], dist[keep], speed[keep]
        minutes = dist / speed * 60.0
        r = rng.random(len(a))
        fwd = r >= 0.05  # 5 % one-way each way on residential streets
        bwd = (r < 0.05) | (r >= 0.10) | (speed > 25.0)
        fwd |= speed > 25.0
        us += [a[fwd], b[bwd]]
        vs += [b[fwd], a[bwd]]
        ts += [minutes[fwd], minutes[bwd]]

    # motorways: a coarse grid of interchange nodes every `step` grid cells along every
    # `gap`-th line, each joined to its grid node by a link (both ways, 0.5 km at 45 km/h)
    step = max(1, int(10.0 / spacing_km + 0.5))
    gap = max(1, int(50.0 / spacing_km + 0.5))
    extra_x, extra_y = [], []
    next_id = n_grid
    for horizontal in (True, False):
        for line in range(gap // 2, side, gap):
            cells = np.arange(0, side, step)
            grid_nodes = idx[line, cells] if horizontal else idx[cells, line]
            ids = next_id + np.arange(len(cells))
            next_id += len(cells)
            extra_x.append(x.ravel()[grid_nodes])
            extra_y.append(y.ravel()[grid_nodes])
            seg_km = np.hypot(np.diff(x.ravel()[grid_nodes]), np.diff(y.ravel()[grid_nodes])) * 1.05
            mm = seg_km / 90.0 * 60.0
            link = np.full(len(ids), 0.5 / 45.0 * 60.0)
            us += [ids[:-1], ids[1:], ids, grid_nodes]
            vs += [ids[1:], ids[:-1], grid_nodes, ids]
            ts += [mm, mm, link, link]
    n = next_id
    u, v, t = np.concatenate(us), np.concatenate(vs), np.concatenate(ts)
    graph = sp.csr_matrix((t, (u, v)), shape=(n, n))
    graph.sum_duplicates()
    lon, lat = _to_lonlat(
        np.concatenate([x.ravel(), *extra_x]), np.concatenate([y.ravel(), *extra_y])
    )
    keep = largest_scc(graph)
    k = np.flatnonzero(keep)
    graph = graph[k][:, k].tocsr()
    turns = None
    if turn_costs:
        turns = build_turn_graph(graph.shape[0], straight_edges(graph, lon[k], lat[k]))
    info = {"source": f"synthetic road-like graph, seed {seed}", "profile": "car",
            "counts": {"routing_nodes": int(graph.shape[0]), "routing_edges": int(graph.nnz)}}  # fmt: skip
    return RoadNetwork(graph, lon[k], lat[k], k.astype(np.int64), info=info, turns=turns)


def synthetic_points(network: RoadNetwork, n_points: int, seed: int = 1) -> pd.DataFrame:
    """`n_points` commune-like points spread uniformly over the network's extent."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(network.lon.min(), network.lon.max(), n_points)
    lat = rng.uniform(network.lat.min(), network.lat.max(), n_points)
    return pd.DataFrame({"id": [f"p{i:05d}" for i in range(n_points)], "lon": lon, "lat": lat})


def write_synthetic_pbf(
    path: str | Path, n_ways: int, nodes_per_way: int = 8, seed: int = 0
) -> Path:
    """Write a street grid as ``.osm.pbf``: `n_ways` ways of `nodes_per_way` nodes (pyosmium).

    Ways alternate east–west and north–south and share their end nodes with crossing
    streets; tags cycle through ten sets: residential, tertiary (``maxspeed=50``), secondary
    (``maxspeed=FR:rural``), a one-way street, a footway (left out by the car profile)…
    """
    import osmium

    path = Path(path)
    if path.exists():
        path.unlink()
    rng = np.random.default_rng(seed)
    per_row = max(1, int(np.sqrt(n_ways / 2)))
    spacing = 0.003  # degrees between nodes along a way
    tag_sets = [
        {"highway": "residential"},
        {"highway": "tertiary", "maxspeed": "50"},
        {"highway": "residential", "maxspeed": "30"},
        {"highway": "secondary", "maxspeed": "FR:rural"},
        {"highway": "residential"},
        {"highway": "unclassified", "surface": "gravel"},
        {"highway": "residential", "oneway": "yes"},
        {"highway": "residential"},
        {"highway": "footway"},
        {"highway": "residential", "name": "Rue de la Gare"},
    ]
    writer = osmium.SimpleWriter(str(path))
    try:
        # nodes first (PBF order), on a grid fine enough for every way
        n_rows = n_ways // (2 * per_row) + 2
        cols = per_row * (nodes_per_way - 1) + 1
        rows = n_rows * (nodes_per_way - 1) + 1
        node_id = lambda r, c: r * cols + c + 1  # noqa: E731
        jitter = rng.normal(0, spacing * 0.1, (2, 4096))
        for r in range(0, rows):
            on_row = r % (nodes_per_way - 1) == 0
            for c in range(0, cols):
                if not on_row and c % (nodes_per_way - 1) != 0:
                    continue
                j = (r * 31 + c) % 4096
                writer.add_node(osmium.osm.mutable.Node(
                    id=node_id(r, c), location=(LON0 + c * spacing + jitter[0, j], LAT0 + r * spacing + jitter[1, j])))  # fmt: skip
        way_id = 1
        written = 0
        for block in range(n_rows):
            for k in range(per_row):
                if written >= n_ways:
                    break
                r0, c0 = block * (nodes_per_way - 1), k * (nodes_per_way - 1)
                east = [node_id(r0, c0 + i) for i in range(nodes_per_way)]
                north = (
                    [node_id(r0 + i, c0) for i in range(nodes_per_way)]
                    if r0 + nodes_per_way - 1 < rows
                    else None
                )
                for refs in (east, north):
                    if refs is None or written >= n_ways:
                        continue
                    tags = tag_sets[way_id % len(tag_sets)]
                    writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
                    way_id += 1
                    written += 1
    finally:
        writer.close()
    return path
