"""Road travel times from OpenStreetMap: ``apl.routing``.

From an OSM extract (``.osm.pbf``) to the ``origin, destination, minutes`` table that
:func:`apl.compute_apl` reads, without a routing server::

    net = apl.routing.read_road_network("provence-alpes-cote-d-azur.osm.pbf")
    points = apl.routing.commune_points(departements=["06"])
    times = apl.routing.travel_times(net, points, max_minutes=30)

Reading OSM files needs the optional pyosmium package (``pip install "apl-drees[routing]"``);
everything else (a saved network, snapping, routing) needs only NumPy/SciPy/Numba. See
``docs/routing.md`` for the car profile, the snapping rule and how times differ from OSRM.
"""

from __future__ import annotations

from .network import RoadNetwork, load_road_network, read_road_network
from .points import CentroidFallbackWarning, commune_points, example_extract
from .profile import CarProfile, parse_duration, parse_maxspeed, way_speed
from .travel_times import DEFAULT_MAX_SNAP_M, SnapWarning, snap_points, travel_times

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "CarProfile",
    "CentroidFallbackWarning",
    "RoadNetwork",
    "SnapWarning",
    "commune_points",
    "example_extract",
    "load_road_network",
    "parse_duration",
    "parse_maxspeed",
    "read_road_network",
    "snap_points",
    "travel_times",
    "way_speed",
]
