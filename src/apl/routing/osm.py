"""Read the drivable ways of an OpenStreetMap file (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

Only this module imports ``osmium``; it does so inside :func:`read_ways`, so ``import apl``
works without the optional ``routing`` extra.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import APLError, DataFormatError
from .profile import CarProfile, node_rule, way_speed

__all__ = ["OsmWays", "read_ways", "require_osmium"]

INSTALL_HINT = (
    'pip install "apl-drees[routing]"  (or, from a source checkout, pip install -e ".[routing]")'
)


def require_osmium():
    """Import and return the ``osmium`` module, or raise a clear :class:`APLError`."""
    try:
        import osmium
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise APLError(
            "apl.routing needs the pyosmium package (import name 'osmium') to read OpenStreetMap files; "
            f"install the routing extra: {INSTALL_HINT}. The package is published as apl-drees "
            "(apl[routing] in the issue tracker)."
        ) from None
    return osmium


@dataclass
class OsmWays:
    """The drivable ways of an OSM file, flattened (one row per way node).

    Attributes
    ----------
    node_ref : int64 array
        OSM node id of each way node, ways one after another.
    lon, lat : float64 arrays
        WGS84 degrees of each way node (NaN when the file lacks the node).
    way_ptr : int64 array
        Way ``k`` is ``node_ref[way_ptr[k]:way_ptr[k + 1]]``.
    forward, backward : float64 arrays
        Speed (km/h) along / against node order per way; 0 = closed.
    duration : float64 array
        Tagged duration per way (seconds), NaN when the speed applies.
    way_id : int64 array
        OSM way id per way.
    blocked_nodes : int64 array
        OSM ids of barrier nodes a car cannot pass (a route may start or end there).
    penalty_nodes, penalty_s : int64 and float64 arrays
        OSM ids of nodes that cost time to pass, and the seconds (gates, traffic signals…).
    counts : dict
        Ways read, kept, and why others were left out.
    """

    node_ref: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    way_ptr: np.ndarray
    forward: np.ndarray
    backward: np.ndarray
    duration: np.ndarray
    way_id: np.ndarray
    counts: dict
    blocked_nodes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    penalty_nodes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    penalty_s: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))


def read_ways(path: str | Path, profile: CarProfile, node_cache: str = "flex_mem") -> OsmWays:
    """Read every way of `path` a car can use under `profile` (see :func:`way_speed`).

    `node_cache` is the osmium node-location index: ``"flex_mem"`` (default, in memory)
    or, for a country-size file, e.g. ``"dense_file_array,/big/disk/nodes.cache"``.

    Raises
    ------
    DataFormatError
        The file does not exist or is not an OSM file osmium can read.
    """
    osmium = require_osmium()
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such OpenStreetMap file.", path=str(path))
    # typed arrays, not lists: 8 bytes per value instead of ~36 (France has ~10⁸ way nodes)
    refs = array("q")
    lons = array("d")
    lats = array("d")
    ptr = array("q", [0])
    fwd = array("d")
    bwd = array("d")
    dur = array("d")
    ids = array("q")
    seen = 0
    missing_nodes = 0
    blocked: list[int] = []
    pen_ids: list[int] = []
    pen_s: list[float] = []
    # The location cache sees every node before the filter; only objects with one of these
    # keys reach Python (the slow part is per Python object): road ways and ferries, and
    # nodes that may be barriers, signals or stop signs (nodes come first in OSM files).
    keys = ("highway", "route", "barrier", "access", "motorcar", "motor_vehicle", "vehicle")
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(node_cache)
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        for obj in processor:
            tags: dict[str, str] = {tag.k: tag.v for tag in obj.tags}
            if obj.is_node():
                rule = node_rule(tags, profile)
                if rule is not None:
                    if rule.blocked:
                        blocked.append(obj.id)
                    if rule.penalty_s > 0:
                        pen_ids.append(obj.id)
                        pen_s.append(rule.penalty_s)
                continue
            if "highway" not in tags and "route" not in tags:
                continue
            way = obj
            seen += 1
            speed = way_speed(tags, profile)
            if speed is None or len(way.nodes) < 2:
                continue
            for node in way.nodes:
                refs.append(node.ref)
                loc = node.location
                if loc.valid():
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                else:
                    missing_nodes += 1
                    lons.append(math.nan)
                    lats.append(math.nan)
            ptr.append(len(refs))
            fwd.append(speed.forward)
            bwd.append(speed.backward)
            dur.append(speed.duration)
            ids.append(way.id)
    except RuntimeError as exc:  # osmium reports unreadable input as RuntimeError
        raise DataFormatError(
            f"{path}: not a readable OpenStreetMap file ({exc}).", path=str(path)
        ) from None
    return OsmWays(
        node_ref=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
        way_ptr=np.asarray(ptr, dtype=np.int64),
        forward=np.asarray(fwd, dtype=np.float64),
        backward=np.asarray(bwd, dtype=np.float64),
        duration=np.asarray(dur, dtype=np.float64),
        way_id=np.asarray(ids, dtype=np.int64),
        blocked_nodes=np.asarray(blocked, dtype=np.int64),
        penalty_nodes=np.asarray(pen_ids, dtype=np.int64),
        penalty_s=np.asarray(pen_s, dtype=np.float64),
        counts={
            "ways_with_highway_or_route_tag": seen,
            "drivable_ways": len(ids),
            "way_nodes_without_location": missing_nodes,
        },
    )
