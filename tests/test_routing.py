"""apl.routing: car profile, OSM reading, contraction, snapping, bounded Dijkstra, CLI, APL end to end.

Expected times are written as arithmetic in the tests: a segment takes
``haversine metres × 60 / (km/h × 1000)`` minutes (see ``_minutes``).
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

import apl
from apl.errors import (
    APLError,
    CommuneCodeError,
    DataFormatError,
    DataWarning,
    DuplicateError,
    MissingColumnError,
)
from apl.routing import (
    CarProfile,
    SnapWarning,
    commune_points,
    example_extract,
    load_road_network,
    parse_duration,
    parse_maxspeed,
    read_road_network,
    snap_points,
    travel_times,
    way_speed,
)  # fmt: skip
from apl.routing.kernels import bounded_dijkstra, bounded_dijkstra_reference
from apl.routing.network import network_from_ways
from apl.routing.osm import OsmWays
from apl.routing.profile import node_rule

pytest.importorskip("osmium")

MONACO = example_extract()
R = 6_372_797.560856  # OSRM's Earth radius, metres


def _metres(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * R * math.asin(math.sqrt(h))


def _minutes(a, b, kmh):
    return _metres(*a, *b) * 60.0 / (kmh * 1000.0)


# ---------------------------------------------------------------- profile


def test_parse_maxspeed():
    assert parse_maxspeed("50") == 50
    assert parse_maxspeed("30 mph") == pytest.approx(30 * 1.609)
    assert parse_maxspeed("FR:urban") == 50
    assert parse_maxspeed("FR:rural") == 80
    assert parse_maxspeed("FR:motorway") == 130
    assert parse_maxspeed("none") == 140
    assert parse_maxspeed("walk") == -1
    assert parse_maxspeed("DE:urban") == 50
    assert parse_maxspeed("50;30") == 50
    assert parse_maxspeed("signals") is None
    assert parse_maxspeed(None) is None


def test_parse_duration():
    assert parse_duration("20") == 20 * 60
    assert parse_duration("01:30") == 90 * 60
    assert parse_duration("00:20:30") == 20 * 60 + 30
    assert parse_duration("PT1H15M") == 75 * 60
    assert parse_duration("PT0S") == 1.0  # at least one second, as OSRM
    assert parse_duration("soon") is None


def test_way_speed_table():
    assert (
        way_speed({"highway": "motorway"}).forward == 90
        and way_speed({"highway": "motorway"}).backward == 0
    )
    assert way_speed({"highway": "motorway", "oneway": "no"}).backward == 90
    assert way_speed({"highway": "residential"}).backward == 25
    assert way_speed({"highway": "residential", "oneway": "-1"}).forward == 0
    assert way_speed({"highway": "primary", "junction": "roundabout"}).backward == 0
    assert way_speed({"highway": "primary", "maxspeed": "50"}).forward == pytest.approx(
        40.0
    )  # 50 × 0.8
    assert way_speed({"highway": "primary", "maxspeed": "FR:rural"}).forward == pytest.approx(
        64.0
    )  # 80 × 0.8
    assert way_speed({"highway": "living_street", "maxspeed": "walk"}).forward == 10
    assert (
        way_speed({"highway": "residential", "surface": "gravel", "maxspeed": "70"}).forward == 40
    )  # min(56, 40)
    for closed in ({"highway": "footway"}, {"highway": "path"}, {"highway": "steps"}, {"highway": "cycleway"},
                   {"highway": "track"}, {"highway": "residential", "access": "private"},
                   {"highway": "residential", "motor_vehicle": "no"}, {"highway": "service", "access": "no"},
                   {"highway": "construction"}, {"building": "yes"}, {"highway": "residential", "maxheight": "1.8"}):  # fmt: skip
        assert way_speed(closed) is None, closed
    assert way_speed({"highway": "track", "motor_vehicle": "yes"}).forward == 10
    assert way_speed({"highway": "pedestrian", "motor_vehicle": "destination"}) is None  # as OSRM
    assert way_speed({"highway": "residential", "motor_vehicle": "destination"}).forward == 25
    assert (
        way_speed({"highway": "residential", "access": "no", "motor_vehicle": "yes"}).forward == 25
    )
    ferry = way_speed({"route": "ferry", "duration": "00:20"})
    assert ferry.forward == 5 and ferry.duration == 1200
    assert way_speed({"route": "ferry", "motor_vehicle": "no"}) is None
    assert CarProfile().highway_speeds["service"] == 15


# ---------------------------------------------------------------- a hand-written .osm file

LAT = 45.0
NODES = {
    1: (5.000, LAT), 2: (5.010, LAT), 3: (5.020, LAT), 4: (5.030, LAT),
    5: (5.030, LAT + 0.010), 6: (5.015, LAT + 0.010),
    7: (5.034, LAT - 0.002), 8: (5.026, LAT - 0.002),          # roundabout with node 4
    9: (5.020, LAT - 0.050), 10: (5.030, LAT - 0.050),         # reached by ferry from 3
    11: (5.600, LAT + 0.400), 12: (5.610, LAT + 0.400),        # disconnected island, 55 km away
}  # fmt: skip
WAYS = [
    (101, [1, 2, 3], {"highway": "residential"}),
    (102, [3, 4], {"highway": "primary", "oneway": "yes"}),
    (103, [4, 5], {"highway": "residential", "maxspeed": "30"}),
    (104, [5, 6, 1], {"highway": "tertiary"}),
    (105, [4, 7, 8, 4], {"highway": "residential", "junction": "roundabout"}),
    (106, [1, 4], {"highway": "primary", "access": "private"}),  # a fast private shortcut
    (107, [3, 9], {"route": "ferry", "duration": "00:20"}),
    (108, [9, 10], {"highway": "residential"}),
    (109, [11, 12], {"highway": "residential"}),
    (110, [2, 6], {"highway": "footway"}),
]


def _write_osm(path: Path, nodes=NODES, ways=WAYS, node_tags=None) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="apl-tests">']
    for nid, (lon, lat) in nodes.items():
        tags = (node_tags or {}).get(nid, {})
        lines.append(
            f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"' + (">" if tags else "/>")
        )
        if tags:
            lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()] + ["  </node>"]
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _points(*ids):
    return pd.DataFrame({"id": [f"n{i}" for i in ids], "lon": [NODES[i][0] for i in ids],
                         "lat": [NODES[i][1] for i in ids]})  # fmt: skip


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return _write_osm(tmp_path_factory.mktemp("osm") / "toy.osm")


@pytest.mark.parametrize("contracted", [True, False])
def test_hand_written_osm_known_times(toy, contracted):
    net = read_road_network(
        toy, contract=contracted, turn_costs=False
    )  # node-based: arithmetic below
    counts = net.info["counts"]
    assert counts["nodes_outside_largest_component"] == 2  # the island's two nodes
    n = NODES
    times = travel_times(net, _points(1, 2, 3, 4, 5, 7, 8, 9, 10), max_minutes=120)
    t = times.set_index(["origin", "destination"])["minutes"]
    res = lambda a, b: _minutes(n[a], n[b], 25.0)  # noqa: E731 residential
    one_two_three = res(1, 2) + res(2, 3)
    assert t["n1", "n3"] == pytest.approx(one_two_three, abs=1e-9)
    # one-way primary 3 → 4 at 65 km/h; 4 → 3 must go round by 5, 6, 1, 2
    assert t["n3", "n4"] == pytest.approx(_minutes(n[3], n[4], 65.0), abs=1e-9)
    back = (
        _minutes(n[4], n[5], 30 * 0.8)
        + _minutes(n[5], n[6], 40.0)
        + _minutes(n[6], n[1], 40.0)
        + one_two_three
    )
    assert t["n4", "n3"] == pytest.approx(back, abs=1e-9)
    # the private shortcut 1–4 is not used: the best of the two public ways
    via_3 = one_two_three + _minutes(n[3], n[4], 65.0)
    via_5 = _minutes(n[1], n[6], 40.0) + _minutes(n[6], n[5], 40.0) + _minutes(n[5], n[4], 24.0)
    assert t["n1", "n4"] == pytest.approx(min(via_3, via_5), abs=1e-9)
    assert t["n1", "n4"] > 1.5 * _minutes(n[1], n[4], 65.0)  # what the shortcut would give
    # roundabout: one-way 4 → 7 → 8 → 4
    assert t["n7", "n8"] == pytest.approx(res(7, 8), abs=1e-9)
    assert t["n8", "n7"] == pytest.approx(res(8, 4) + res(4, 7), abs=1e-9)
    # ferry with duration=00:20, both ways, then 9 → 10 by road
    assert t["n3", "n9"] == pytest.approx(20.0, abs=1e-9)
    assert t["n10", "n3"] == pytest.approx(res(10, 9) + 20.0, abs=1e-9)
    assert (times.loc[times["origin"] == times["destination"], "minutes"] == 0).all()
    # a bound drops the pairs beyond it, keeps the others unchanged
    short = travel_times(net, _points(1, 2, 3, 4, 5, 7, 8, 9, 10), max_minutes=10).set_index(
        ["origin", "destination"]
    )
    assert (short["minutes"] <= 10).all()
    assert ("n3", "n9") not in short.index
    assert short["minutes"].equals(t.loc[short.index].rename("minutes"))


def test_island_point_left_out_with_warning(toy):
    net = read_road_network(toy)
    with pytest.warns(SnapWarning, match="n11"):
        times = travel_times(net, _points(1, 11, 3))
    assert times.attrs["unsnapped"]["origins"] == ["n11"]
    assert set(times["origin"]) == {"n1", "n3"} and "n11" not in set(times["destination"])
    snap = times.attrs["snap_m"]["origins"]
    assert snap["n1"] == pytest.approx(0.0, abs=1e-6) and snap["n11"] > 2000
    snapped = snap_points(net, _points(1, 11))
    assert snapped["routable"].tolist() == [True, False]


def test_networkx_agrees_on_hand_written_graph(toy):
    net = read_road_network(toy, contract=False, turn_costs=False)
    g = nx.DiGraph()
    coo = net.graph.tocoo()
    g.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    pts = pd.DataFrame({"id": [str(i) for i in range(net.n_nodes)], "lon": net.lon, "lat": net.lat})
    times = travel_times(net, pts, max_minutes=1e6)
    for o, d, m in times.itertuples(index=False):
        assert m == pytest.approx(nx.dijkstra_path_length(g, int(o), int(d)), abs=1e-9)
    assert len(times) == net.n_nodes**2  # strongly connected: every pair


# ---------------------------------------------------------------- random road-like graphs vs SciPy


def _random_ways(seed: int, side: int = 9) -> OsmWays:
    """A jittered grid of streets, each street a way of several nodes, some one-way, some missing."""
    rng = np.random.default_rng(seed)
    refs, lons, lats, ptr, fwd, bwd = [], [], [], [0], [], []
    node = lambda i, j: i * side + j  # noqa: E731
    lon0 = (
        5 + rng.normal(0, 0.0004, (side, side)).cumsum(axis=1) * 0 + np.arange(side)[None, :] * 0.01
    )
    lat0 = 45 + np.arange(side)[:, None] * 0.01 + rng.normal(0, 0.002, (side, side))
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                ii, jj = i + di, j + dj
                if ii >= side or jj >= side or rng.random() < 0.15:
                    continue
                # a street broken by 0-3 intermediate nodes (the degree-2 chains to contract)
                k = rng.integers(0, 4)
                frac = np.sort(rng.random(k))
                la = lat0[i, j] + frac * (lat0[ii, jj] - lat0[i, j]) + rng.normal(0, 1e-4, k)
                lo = lon0[i, j] + frac * (lon0[ii, jj] - lon0[i, j]) + rng.normal(0, 1e-4, k)
                ids = [node(i, j), *(10_000 + len(refs) + np.arange(k)), node(ii, jj)]
                refs += [int(x) for x in ids]
                lons += [lon0[i, j], *lo, lon0[ii, jj]]
                lats += [lat0[i, j], *la, lat0[ii, jj]]
                ptr.append(len(refs))
                speed = float(rng.choice([25.0, 40.0, 55.0, 90.0]))
                r = rng.random()
                fwd.append(0.0 if r < 0.1 else speed)
                bwd.append(0.0 if 0.1 <= r < 0.2 else speed * (0.8 if r > 0.9 else 1.0))
    nw = len(fwd)
    return OsmWays(np.asarray(refs, np.int64), np.asarray(lons), np.asarray(lats), np.asarray(ptr, np.int64),
                   np.asarray(fwd), np.asarray(bwd), np.full(nw, np.nan), np.arange(nw, dtype=np.int64), {})  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_contracted_times_equal_scipy_on_uncontracted_graph(seed):
    ways = _random_ways(seed)
    full = network_from_ways(ways, contract_graph=False)
    small = network_from_ways(ways, contract_graph=True)
    assert small.n_nodes < full.n_nodes and len(small.via) + small.n_nodes == full.n_nodes
    rng = np.random.default_rng(seed)
    pick = rng.choice(full.n_nodes, size=min(40, full.n_nodes), replace=False)
    pts = pd.DataFrame(
        {"id": full.node_id[pick].astype(str), "lon": full.lon[pick], "lat": full.lat[pick]}
    )
    exact = dijkstra(full.graph, directed=True, indices=pick)[:, pick]
    limit = float(np.quantile(exact[np.isfinite(exact)], 0.6))  # a bound that cuts some pairs
    for net in (full, small):
        times = travel_times(net, pts, max_minutes=limit, n_jobs=2, turn_costs=False)
        assert max(times.attrs["snap_m"]["origins"].values()) < 1e-6
        got = np.full_like(exact, np.inf)
        pos = {k: i for i, k in enumerate(pts["id"])}
        got[times["origin"].map(pos).to_numpy(), times["destination"].map(pos).to_numpy()] = times[
            "minutes"
        ].to_numpy()
        within = exact <= limit
        np.testing.assert_allclose(got[within], exact[within], rtol=0, atol=1e-9)
        assert np.isinf(got[~within]).all()
        ref = travel_times(net, pts, max_minutes=limit, engine="reference", turn_costs=False)
        pd.testing.assert_frame_equal(times.drop(columns="minutes"), ref.drop(columns="minutes"))
        np.testing.assert_allclose(times["minutes"], ref["minutes"], rtol=0, atol=1e-9)


def test_save_load_roundtrip(tmp_path):
    net = network_from_ways(_random_ways(3))
    back = load_road_network(net.save(tmp_path / "net"))
    assert (back.graph != net.graph).nnz == 0
    assert back.turns is not None and (back.turns.graph != net.turns.graph).nnz == 0
    pd.testing.assert_frame_equal(back.via, net.via)
    pts = pd.DataFrame({"id": ["a", "b"], "lon": net.lon[:2], "lat": net.lat[:2]})
    pd.testing.assert_frame_equal(travel_times(back, pts), travel_times(net, pts), check_like=False)
    with pytest.raises(DataFormatError):
        load_road_network(tmp_path / "nothing")


# ---------------------------------------------------------------- kernel vs twin (hypothesis)


@st.composite
def _graphs(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 80))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.floats(0.01, 10.0), min_size=m, max_size=m))
    keep = [a != b for a, b in zip(u, v, strict=True)]
    g = sp.csr_matrix((np.asarray(w)[keep], (np.asarray(u, dtype=int)[keep], np.asarray(v, dtype=int)[keep])),
                      shape=(n, n))  # fmt: skip
    g.sum_duplicates()
    seeds = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    offs = draw(st.lists(st.floats(0.0, 3.0), min_size=len(seeds), max_size=len(seeds)))
    dn = draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=10))
    limit = draw(st.floats(0.0, 30.0))
    return g, np.asarray(seeds, np.int64), np.asarray(offs), np.asarray(dn, np.int64), limit


@settings(max_examples=60, deadline=None)
@given(_graphs())
def test_bounded_dijkstra_kernel_equals_twin_and_scipy(case):
    g, seeds, offs, dest_nodes, limit = case
    n = g.shape[0]
    ip, ix, w = g.indptr.astype(np.int64), g.indices.astype(np.int64), g.data.astype(np.float64)
    # destination j sits on node dest_nodes[j] with no offset
    order = np.argsort(dest_nodes, kind="stable")
    dptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(dest_nodes, minlength=n), out=dptr[1:])
    didx, doff = order.astype(np.int64), np.zeros(len(dest_nodes))
    scratch = (np.full(n, np.inf), np.zeros(n, np.bool_), np.full(max(len(dest_nodes), 1), np.inf),
               np.empty(1), np.empty(1, np.int64), np.empty(n, np.int64))  # fmt: skip
    k_idx, k_min = bounded_dijkstra(ip, ix, w, seeds, offs, limit, dptr, didx, doff, *scratch)
    r_idx, r_min = bounded_dijkstra_reference(ip, ix, w, seeds, offs, limit, dptr, didx, doff)
    o = np.argsort(k_idx)
    np.testing.assert_array_equal(k_idx[o], r_idx)
    np.testing.assert_allclose(k_min[o], r_min, rtol=0, atol=1e-12)
    assert (
        np.isinf(scratch[0]).all() and not scratch[1].any() and np.isinf(scratch[2]).all()
    )  # scratch restored
    # SciPy: time from the nearest seed, its offset included
    d = (offs[:, None] + dijkstra(g, directed=True, indices=seeds).reshape(len(seeds), n)).min(
        axis=0
    )
    expected = d[dest_nodes]
    reach = expected <= limit
    np.testing.assert_array_equal(np.sort(np.unique(np.flatnonzero(reach))), np.sort(r_idx))
    np.testing.assert_allclose(r_min, expected[r_idx], rtol=0, atol=1e-9)


def test_bounded_dijkstra_hand_case():
    # 0 → 1 (2 min), 1 → 2 (3 min), 0 → 2 (6 min); from 0 with limit 5: 1 at 2, 2 at 2 + 3 = 5 (≤ 5 kept)
    g = sp.csr_matrix(([2.0, 6.0, 3.0], ([0, 0, 1], [1, 2, 2])), shape=(3, 3))
    dptr, didx, doff = (
        np.asarray([0, 1, 2, 4]),
        np.asarray([0, 1, 2, 3]),
        np.asarray([0.0, 0.0, 0.0, 0.5]),
    )
    args = (g.indptr.astype(np.int64), g.indices.astype(np.int64), g.data, np.asarray([0]), np.asarray([0.0]), 5.0,
            dptr, didx, doff)  # fmt: skip
    idx, mins = bounded_dijkstra_reference(*args)
    assert idx.tolist() == [0, 1, 2] and mins.tolist() == [
        0.0,
        2.0,
        5.0,
    ]  # destination 3 = 5 + 0.5 > 5
    scratch = (np.full(3, np.inf), np.zeros(3, np.bool_), np.full(4, np.inf), np.empty(1), np.empty(1, np.int64),
               np.empty(3, np.int64))  # fmt: skip
    k_idx, k_min = bounded_dijkstra(*args, *scratch)
    assert sorted(zip(k_idx.tolist(), k_min.tolist(), strict=True)) == [
        (0, 0.0),
        (1, 2.0),
        (2, 5.0),
    ]


# ---------------------------------------------------------------- points, errors, optional dependency


def test_commune_points():
    pts = commune_points(["06012", "06104"])
    assert pts["commune"].tolist() == ["06012", "06104"]
    assert pts.loc[0, "lon"] == pytest.approx(7.42538, abs=1e-6) and pts.loc[
        0, "lat"
    ] == pytest.approx(43.743099, abs=1e-6)
    cent = commune_points(["06012"], where="centroid")
    assert abs(cent.loc[0, "lon"] - 7.42538) < 0.05 and cent.loc[0, "lon"] != pts.loc[0, "lon"]
    isere = commune_points(departements=["38"])
    assert len(isere) > 500 and isere["commune"].str.startswith("38").all()
    with pytest.raises(CommuneCodeError, match="99999"):
        commune_points(["06012", "99999"])
    with pytest.raises(CommuneCodeError, match="99"):
        commune_points(departements=["99"])


def _shipped_communes() -> pd.DataFrame:
    from importlib import resources

    with resources.as_file(resources.files("apl") / "data" / "communes_france.csv.gz") as f:
        return pd.read_csv(f, dtype={"code_commune": str, "departement": str})


def test_commune_points_all_leaves_out_unlocated_communes_with_a_warning():
    # issue #12: `apl routes --communes all` must not fail on the few communes of the
    # shipped table that have neither a town hall nor a centroid
    table = _shipped_communes()
    nowhere = table[
        table[["lon_mairie", "lat_mairie"]].isna().any(axis=1)
        & table[["lon_centroid", "lat_centroid"]].isna().any(axis=1)
    ]["code_commune"].tolist()
    assert nowhere, "the shipped table no longer has unlocated communes: test the rule otherwise"
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pts = commune_points()
    data = [w for w in caught if issubclass(w.category, DataWarning)]
    assert len(data) == 1 and all(code in str(data[0].message) for code in nowhere)
    assert pts.attrs["no_location"] == sorted(nowhere)
    assert len(pts) == len(table) - len(nowhere)
    assert not set(nowhere) & set(pts["commune"]) and pts[["lon", "lat"]].notna().all().all()
    # centroid fallbacks are only communes the centroid does locate
    assert not set(pts.attrs["centroid_fallback"]) & set(nowhere)
    # a département filter (still "every commune of …") follows the same rule
    dep = table.set_index("code_commune").loc[nowhere[0], "departement"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        part = commune_points(departements=[dep])
    assert nowhere[0] in part.attrs["no_location"] and nowhere[0] not in set(part["commune"])
    assert any(issubclass(w.category, DataWarning) for w in caught)
    # naming such a commune explicitly stays an error (with its name and what to do)
    with pytest.raises(CommuneCodeError, match=f"{nowhere[0]}.*--points"):
        commune_points(["06012", nowhere[0]])


def test_bad_points_raise(toy):
    net = read_road_network(toy)
    with pytest.raises(MissingColumnError, match="lat"):
        travel_times(net, pd.DataFrame({"id": ["a"], "lon": [5.0]}))
    with pytest.raises(DuplicateError, match="'a'"):
        travel_times(net, pd.DataFrame({"id": ["a", "a"], "lon": [5.0, 5.0], "lat": [45.0, 45.0]}))
    with pytest.raises(apl.errors.ValidationError, match="lat"):
        travel_times(net, pd.DataFrame({"id": ["a"], "lon": [5.0], "lat": [95.0]}))
    with pytest.raises(DataFormatError, match="no such"):
        read_road_network(toy.parent / "missing.osm.pbf")


def test_missing_osmium_gives_install_hint(monkeypatch, toy):
    monkeypatch.setitem(sys.modules, "osmium", None)
    with pytest.raises(APLError, match=r'pip install "apl-drees\[routing\]"'):
        read_road_network(toy)


def test_import_apl_without_osmium():
    code = textwrap.dedent("""
        import sys
        sys.modules["osmium"] = None          # as if pyosmium were not installed
        import apl, apl.routing
        print(apl.routing.commune_points(["06012"]).shape)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 5)"


# ---------------------------------------------------------------- real data: Monaco extract, APL end to end

FIVE = [
    "06012",
    "06032",
    "06059",
    "06150",
    "06104",
]  # Beausoleil, Cap-d'Ail, Èze, La Turbie, Roquebrune-Cap-Martin


@pytest.fixture(scope="module")
def monaco():
    return read_road_network(MONACO)


def test_monaco_network_and_times(monaco):
    counts = monaco.info["counts"]
    assert (
        counts["drivable_ways"] > 1000
        and monaco.n_nodes > 1000
        and len(monaco.via) > monaco.n_nodes
    )
    pts = commune_points(FIVE)
    times = travel_times(monaco, pts, max_minutes=30)
    assert len(times) == 25  # the five town halls are within 30 minutes of each other
    snap = times.attrs["snap_m"]["origins"]
    assert all(0 <= m < 100 for m in snap.values()), snap  # town halls are on streets
    t = times.set_index(["origin", "destination"])["minutes"]
    off = t[[o != d for o, d in t.index]]
    assert (off > 1).all() and (off < 30).all()
    # exact shortest times: the triangle inequality holds through every intermediate commune,
    # up to one turn at it (at most 7.5 s + 20 s for a U-turn) with turn costs, exactly without
    plain = travel_times(read_road_network(MONACO, turn_costs=False), pts, max_minutes=30)
    p = plain.set_index(["origin", "destination"])["minutes"]
    for a in FIVE:
        for b in FIVE:
            for c in FIVE:
                assert t[a, c] <= t[a, b] + t[b, c] + 27.5 / 60 + 1e-9
                assert p[a, c] <= p[a, b] + p[b, c] + 1e-9
    # turns only add time: 0 to 15 % on these trips
    ratio = (t / p)[[o != d for o, d in t.index]]
    assert (ratio >= 1).all() and (ratio < 1.15).all()
    # Beausoleil ↔ Cap-d'Ail (~2.5 km crow-fly through Monaco): a few minutes, not a detour
    assert 2 < t["06012", "06032"] < 10
    uncontracted = travel_times(read_road_network(MONACO, contract=False), pts, max_minutes=30)
    np.testing.assert_allclose(uncontracted["minutes"], times["minutes"], rtol=0, atol=1e-9)


def test_monaco_apl_end_to_end(monaco):
    times = travel_times(monaco, commune_points(FIVE), max_minutes=30)
    demand = pd.DataFrame(
        {"commune": FIVE, "population": [13_000.0, 4_500.0, 2_300.0, 3_100.0, 12_500.0]}
    )
    supply = pd.DataFrame({"commune": ["06012", "06104"], "acts": [60_000.0, 40_000.0]})
    result = apl.compute_apl(demand, supply, times)
    assert set(result.index if "commune" not in result.columns else result["commune"]) == set(FIVE)
    assert np.isfinite(result["apl"]).all() and (result["apl"] >= 0).all()
    # hand check of Beausoleil: its own practice (weight 1 at 0 minutes) is shared with every
    # commune that reaches it, weighted by the DREES step decay of their road time
    decay = apl.StepDecay.drees()
    t = times.set_index(["origin", "destination"])["minutes"]
    pop = demand.set_index("commune")["population"]
    acts = supply.set_index("commune")["acts"]
    ratio = {s: acts[s] / sum(pop[c] * float(decay(np.asarray([t[c, s]]))[0]) for c in FIVE if (c, s) in t.index)
             for s in acts.index}  # fmt: skip
    expected = sum(
        ratio[s] * float(decay(np.asarray([t["06012", s]]))[0])
        for s in acts.index
        if ("06012", s) in t.index
    )
    got = (
        result.set_index("commune")["apl"]["06012"]
        if "commune" in result.columns
        else result["apl"]["06012"]
    )
    assert got == pytest.approx(expected, rel=1e-9)


def test_cli_routes_then_compute(tmp_path, capsys):
    from apl.cli import main

    out = tmp_path / "times.parquet"
    status = main(["routes", str(MONACO), "--communes", ",".join(FIVE), "--out", str(out), "--save-network",
                   str(tmp_path / "net")])  # fmt: skip
    assert status == 0
    err = capsys.readouterr().err
    assert "5/5 origins" in err and "ETA" in err
    table = pd.read_parquet(out)
    assert list(table.columns) == ["origin", "destination", "minutes"] and len(table) == 25
    # re-run from the saved network: same table
    out2 = tmp_path / "times2.parquet"
    assert (
        main(
            [
                "routes",
                str(tmp_path / "net"),
                "--communes",
                ",".join(FIVE),
                "--out",
                str(out2),
                "-q",
            ]
        )
        == 0
    )
    pd.testing.assert_frame_equal(pd.read_parquet(out2), table)
    pd.DataFrame({"commune": FIVE, "population": [13_000, 4_500, 2_300, 3_100, 12_500]}).to_csv(
        tmp_path / "pop.csv", index=False
    )
    pd.DataFrame({"commune": ["06012"], "acts": [60_000]}).to_csv(tmp_path / "gps.csv", index=False)
    status = main(["compute", "--population", str(tmp_path / "pop.csv"), "--supply", str(tmp_path / "gps.csv"),
                   "--travel-times", str(out), "--out", str(tmp_path / "apl.csv"), "-q"])  # fmt: skip
    assert status == 0
    assert len(pd.read_csv(tmp_path / "apl.csv", dtype={"commune": str})) == 5


def test_points_inside_one_contracted_chain(tmp_path):
    # a one-way street 21 → 25 (residential, 25 km/h) and a two-way return 25 – 26 – 21 (tertiary, 40 km/h)
    nodes = {21: (6.000, 45.1), 22: (6.004, 45.1), 23: (6.008, 45.1), 24: (6.012, 45.1), 25: (6.016, 45.1),
             26: (6.008, 45.104)}  # fmt: skip
    ways = [(201, [21, 22, 23, 24, 25], {"highway": "residential", "oneway": "yes"}),
            (202, [25, 26, 21], {"highway": "tertiary"})]  # fmt: skip
    net = read_road_network(_write_osm(tmp_path / "chain.osm", nodes, ways), turn_costs=False)
    # 21 and 25 join a one-way and a two-way street: kept; 22, 23, 24 (one chain) and 26 are contracted
    assert net.n_nodes == 2 and sorted(net.via["node_id"]) == [22, 23, 24, 26]
    assert net.via.set_index("node_id").loc[[22, 23, 24], "chain"].nunique() == 1
    pts = pd.DataFrame(
        {"id": ["22", "23", "24"], "lon": [nodes[i][0] for i in (22, 23, 24)], "lat": 45.1}
    )
    t = travel_times(net, pts).set_index(["origin", "destination"])["minutes"]
    res = lambda a, b: _minutes(nodes[a], nodes[b], 25.0)  # noqa: E731
    ter = lambda a, b: _minutes(nodes[a], nodes[b], 40.0)  # noqa: E731
    assert t["22", "24"] == pytest.approx(res(22, 23) + res(23, 24), abs=1e-9)  # along the chain
    assert t["24", "22"] == pytest.approx(
        res(24, 25) + ter(25, 26) + ter(26, 21) + res(21, 22), abs=1e-9
    )  # round
    assert t["23", "23"] == 0.0
    ref = travel_times(
        read_road_network(tmp_path / "chain.osm", contract=False, turn_costs=False), pts
    )
    np.testing.assert_allclose(travel_times(net, pts)["minutes"], ref["minutes"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("oneway", ["no", "yes"])
def test_a_network_that_is_one_ring(tmp_path, oneway):
    # a closed street and nothing else: every node has the same two neighbours, one is kept as anchor
    nodes = {31: (7.0, 45.0), 32: (7.01, 45.0), 33: (7.01, 45.01), 34: (7.0, 45.01)}
    ways = [(301, [31, 32, 33, 34, 31], {"highway": "residential", "oneway": oneway})]
    path = _write_osm(tmp_path / "ring.osm", nodes, ways)
    net = read_road_network(path, turn_costs=False)
    assert net.n_nodes == 1 and len(net.via) == 3
    pts = pd.DataFrame({"id": [str(i) for i in nodes], "lon": [p[0] for p in nodes.values()],
                        "lat": [p[1] for p in nodes.values()]})  # fmt: skip
    got = travel_times(net, pts, max_minutes=100)
    ref = travel_times(
        read_road_network(path, contract=False, turn_costs=False), pts, max_minutes=100
    )
    assert len(got) == 16
    np.testing.assert_allclose(got["minutes"], ref["minutes"], rtol=0, atol=1e-9)
    t = got.set_index(["origin", "destination"])["minutes"]
    res = lambda a, b: _minutes(nodes[a], nodes[b], 25.0)  # noqa: E731
    around = res(32, 33) + res(33, 34) + res(34, 31)
    assert t["32", "31"] == pytest.approx(around if oneway == "yes" else res(32, 31), abs=1e-9)


def test_node_rules():
    assert node_rule({"barrier": "bollard"}).blocked
    assert node_rule({"barrier": "bollard", "bollard": "rising"}) is None
    assert (
        node_rule({"barrier": "gate"}).penalty_s == 60
        and not node_rule({"barrier": "gate"}).blocked
    )
    assert (
        node_rule({"barrier": "toll_booth"}) is None
        and node_rule({"barrier": "kerb", "kerb": "lowered"}) is None
    )
    assert (
        node_rule({"barrier": "bollard", "motor_vehicle": "yes"}) is None
    )  # access on the node decides first
    assert (
        node_rule({"access": "no"}).blocked and node_rule({"access": "private"}) is None
    )  # OSRM lets private pass
    assert node_rule({"highway": "traffic_signals"}).penalty_s == 2
    assert (
        node_rule({"highway": "stop"}).penalty_s == 2
        and node_rule({"highway": "give_way"}).penalty_s == 1
    )
    assert node_rule({"barrier": "height_restrictor", "maxheight": "1.9"}).blocked
    assert node_rule({"highway": "crossing"}) is None


def test_bollard_blocks_and_gate_costs_a_minute(tmp_path):
    nodes = {41: (6.0, 44.0), 42: (6.005, 44.0), 43: (6.01, 44.0), 44: (6.005, 44.004)}
    ways = [
        (401, [41, 42, 43], {"highway": "residential"}),
        (402, [41, 44, 43], {"highway": "tertiary"}),
    ]
    node_tags = {42: {"barrier": "bollard"}, 44: {"barrier": "gate"}}
    net = read_road_network(
        _write_osm(tmp_path / "barriers.osm", nodes, ways, node_tags), turn_costs=False
    )
    assert net.info["counts"]["barrier_nodes_split"] == 1
    pts = pd.DataFrame(
        {"id": ["41", "42", "43"], "lon": [nodes[i][0] for i in (41, 42, 43)], "lat": 44.0}
    )
    t = travel_times(net, pts).set_index(["origin", "destination"])["minutes"]
    res = lambda a, b: _minutes(nodes[a], nodes[b], 25.0)  # noqa: E731
    ter = lambda a, b: _minutes(nodes[a], nodes[b], 40.0)  # noqa: E731
    # through the gate (60 s = 1 minute), not through the bollard
    assert t["41", "43"] == pytest.approx(ter(41, 44) + 1.0 + ter(44, 43), abs=1e-9)
    assert t["41", "43"] > res(41, 42) + res(42, 43)
    # a point on the bollard snaps to one of its two sides: it starts or ends there directly,
    # and reaches the other side only around, through the gate
    around = ter(41, 44) + 1.0 + ter(44, 43)
    west = t["42", "41"] == pytest.approx(res(42, 41), abs=1e-9)
    if west:
        assert t["43", "42"] == pytest.approx(around + res(41, 42), abs=1e-9)
    else:
        assert t["42", "41"] == pytest.approx(res(42, 43) + around, abs=1e-9)
        assert t["43", "42"] == pytest.approx(res(43, 42), abs=1e-9)


def test_cli_routes_from_points_csv_and_departement(tmp_path, capsys):
    from apl.cli import main

    points = tmp_path / "points.csv"
    pd.DataFrame(
        {
            "id": ["bs", "cda", "far"],
            "lon": [7.42538, 7.405839, 2.35],
            "lat": [43.743099, 43.72208, 48.85],
        }
    ).to_csv(points, index=False)
    out = tmp_path / "t.csv"
    assert main(["routes", str(MONACO), "--points", str(points), "--out", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    assert "far" in captured.err and "warning" in captured.err  # Paris is not in the Monaco extract
    table = pd.read_csv(out)
    assert set(table["origin"]) == {"bs", "cda"} and len(table) == 4
    assert (
        main(
            [
                "routes",
                str(MONACO),
                "--communes",
                "dep:06",
                "--out",
                str(tmp_path / "d.parquet"),
                "-q",
            ]
        )
        == 0
    )
    assert set(pd.read_parquet(tmp_path / "d.parquet")["origin"]) >= set(FIVE)
    assert (
        main(["routes", str(MONACO), "--communes", "06012", "--out", str(tmp_path / "x.txt")]) == 2
    )
    # without turn costs: the same pairs, never longer
    assert main(["routes", str(MONACO), "--points", str(points), "--out", str(tmp_path / "n.csv"), "-q",
                 "--no-turn-costs"]) == 0  # fmt: skip
    plain = pd.read_csv(tmp_path / "n.csv")
    assert (
        plain[["origin", "destination"]].to_numpy() == table[["origin", "destination"]].to_numpy()
    ).all()
    assert (plain["minutes"] <= table["minutes"] + 1e-9).all() and (
        plain["minutes"] < table["minutes"]
    ).any()


# ---------------------------------------------------------------- turn costs (edge-based graph)


def _osrm_turn_s(angle):
    """OSRM car.lua process_turn: 7.5 s sigmoid of the angle, turn_bias 1.075 (right-hand traffic)."""
    if angle >= 0:  # to the right
        return 7.5 / (1 + math.exp(-((13 / 1.075) * angle / 180 - 6.5 * 1.075)))
    return 7.5 / (1 + math.exp(-((13 * 1.075) * -angle / 180 - 6.5 / 1.075)))


def test_turn_costs_at_a_t_junction(tmp_path):
    # west A — B — C east (residential), B — D north (residential): three roads meet at B
    nodes = {51: (6.0, 45.0), 52: (6.01, 45.0), 53: (6.02, 45.0), 54: (6.01, 45.01)}
    ways = [
        (501, [51, 52, 53], {"highway": "residential"}),
        (502, [52, 54], {"highway": "residential"}),
    ]
    path = _write_osm(tmp_path / "t.osm", nodes, ways)
    pts = pd.DataFrame({"id": ["A", "B", "C", "D"], "lon": [p[0] for p in nodes.values()],
                        "lat": [p[1] for p in nodes.values()]})  # fmt: skip
    res = lambda a, b: _minutes(nodes[a], nodes[b], 25.0)  # noqa: E731
    for contracted in (True, False):
        t = travel_times(read_road_network(path, contract=contracted), pts).set_index(
            ["origin", "destination"]
        )["minutes"]
        assert t["A", "D"] == pytest.approx(
            res(51, 52) + res(52, 54) + _osrm_turn_s(-90) / 60, abs=1e-9
        )  # left: 5.4 s
        assert t["C", "D"] == pytest.approx(
            res(53, 52) + res(52, 54) + _osrm_turn_s(90) / 60, abs=1e-9
        )  # right: 2.1 s
        assert t["A", "C"] == pytest.approx(
            res(51, 52) + res(52, 53) + _osrm_turn_s(0) / 60, abs=1e-9
        )  # straight: 0.007 s
        assert t["B", "D"] == pytest.approx(res(52, 54), abs=1e-9) and t["D", "D"] == 0.0
    assert _osrm_turn_s(-90) == pytest.approx(5.39, abs=0.01) and _osrm_turn_s(90) == pytest.approx(
        2.11, abs=0.01
    )


def _turn_reference(net, pick):
    """Minutes between network nodes by SciPy on the turn graph: start on any edge leaving the
    origin (at its start), arrive at the end of any edge entering the destination."""
    turns = net.turns
    k = len(turns.tail)
    out = np.full((len(pick), len(pick)), np.inf)
    for i, s in enumerate(pick):
        seeds = np.flatnonzero(turns.tail == s)
        d = (
            dijkstra(turns.graph, directed=True, indices=seeds).reshape(len(seeds), k).min(axis=0)
            + turns.minutes
        )
        arrive = np.full(net.n_nodes, np.inf)
        np.minimum.at(arrive, turns.head, d)
        out[i] = arrive[pick]
        out[i, i] = 0.0
    return out


@pytest.mark.parametrize("seed", [4, 5, 6, 7, 8])
def test_turn_times_equal_scipy_contracted_or_not(seed):
    ways = _random_ways(seed)
    full = network_from_ways(ways, contract_graph=False)
    small = network_from_ways(ways, contract_graph=True)
    rng = np.random.default_rng(seed)
    pick = rng.choice(full.n_nodes, size=30, replace=False)
    pts = pd.DataFrame(
        {"id": full.node_id[pick].astype(str), "lon": full.lon[pick], "lat": full.lat[pick]}
    )
    exact = _turn_reference(full, pick)
    limit = float(np.quantile(exact[np.isfinite(exact)], 0.6))
    pos = {k: i for i, k in enumerate(pts["id"])}
    for net in (full, small):
        for engine in ("numba", "reference"):
            times = travel_times(net, pts, max_minutes=limit, engine=engine)
            assert times.attrs["turn_costs"] is True
            got = np.full_like(exact, np.inf)
            got[times["origin"].map(pos).to_numpy(), times["destination"].map(pos).to_numpy()] = (
                times["minutes"].to_numpy()
            )
            within = exact <= limit
            np.testing.assert_allclose(got[within], exact[within], rtol=0, atol=1e-9)
            assert np.isinf(got[~within]).all()
    # turns never make a trip shorter than on the node graph
    plain = travel_times(small, pts, max_minutes=limit, turn_costs=False).set_index(
        ["origin", "destination"]
    )["minutes"]
    turned = travel_times(small, pts, max_minutes=limit).set_index(["origin", "destination"])[
        "minutes"
    ]
    common = turned.index.intersection(plain.index)
    assert (turned[common] >= plain[common] - 1e-9).all() and len(common) == len(turned)
