"""The car profile: which OSM ways a car may use, in which direction, at what speed.

Every default below is taken from OSRM's car profile (``profiles/car.lua`` and
``profiles/lib/way_handlers.lua`` of Project-OSRM/osrm-backend, read at commit
``4fc76cad0``), because OSRM car times are what French analysts compare against (the
Isère matrix bundled with apl is an OSRM matrix). The values are restated here, not
translated code; where apl departs from OSRM it says so next to the value. The table is
printed in ``docs/routing.md``.

Speeds are km/h; a way's time on a segment is ``length / speed`` (minutes), or its tagged
``duration`` shared along its length (ferries).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "CarProfile",
    "NodeRule",
    "WaySpeed",
    "get_profile",
    "node_rule",
    "parse_duration",
    "parse_maxspeed",
    "way_speed",
]


#: A way's or node's tags: a dict, or anything with ``get(key)`` returning str or None.
_Tags = Mapping[str, str]


#: Default speed (km/h) per ``highway`` class, OSRM car profile ``speeds.highway``.
HIGHWAY_SPEEDS: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}

#: ``maxspeed`` zone values (lower case) → km/h. France's implicit limits (Code de la route:
#: 50 in built-up areas, 80 on two-way rural roads since 2018, 110 on dual carriageways,
#: 130 on motorways), as in OSRM's ``maxspeed_table`` (``fr:rural`` 80) and
#: ``maxspeed_table_default`` (urban 50, rural 90, trunk 110, motorway 130).
MAXSPEED_ZONES: dict[str, float] = {
    "fr:urban": 50.0,
    "fr:rural": 80.0,
    "fr:trunk": 110.0,
    "fr:motorway": 130.0,
    "none": 140.0,  # OSRM: an unlimited road is driven at 140
}

#: Zone suffix → km/h for other countries' ``XX:zone`` values (OSRM ``maxspeed_table_default``).
MAXSPEED_ZONE_DEFAULTS: dict[str, float] = {
    "urban": 50.0,
    "rural": 90.0,
    "trunk": 110.0,
    "motorway": 130.0,
}

#: Upper bound (km/h) for surfaces, track types and smoothness (OSRM ``surface_speeds``…).
SURFACE_SPEEDS: dict[str, float] = {
    "cement": 80, "compacted": 80, "fine_gravel": 80, "paving_stones": 60, "metal": 60, "bricks": 60,
    "grass": 40, "wood": 40, "sett": 40, "grass_paver": 40, "gravel": 40, "unpaved": 40, "ground": 40,
    "dirt": 40, "pebblestone": 40, "tartan": 40, "cobblestone": 30, "clay": 30, "earth": 20, "stone": 20,
    "rocky": 20, "sand": 20, "laterite": 15, "mud": 10, "ice": 20, "snow": 30,
}  # fmt: skip
TRACKTYPE_SPEEDS: dict[str, float] = {
    "grade1": 60,
    "grade2": 40,
    "grade3": 30,
    "grade4": 25,
    "grade5": 20,
}
SMOOTHNESS_SPEEDS: dict[str, float] = {"intermediate": 80, "bad": 40, "very_bad": 20, "horrible": 10,
                                       "very_horrible": 5, "impassable": 0}  # fmt: skip

#: Access values that close a way to cars (OSRM ``access_tag_blacklist``). OSRM keeps the
#: "restricted" ones (private, destination, delivery, customers, permit, residents) but only
#: lets a route start or end on them; apl closes ``private`` (as the issue asks: a private
#: drive is not a public road) and opens the other five to through traffic.
ACCESS_CLOSED: frozenset[str] = frozenset({
    "no", "private", "agricultural", "forestry", "emergency", "psv", "taxi", "share_taxi", "minibus",
    "bus", "foot", "emergency_vehicle", "restricted", "military", "official",
})  # fmt: skip
#: Access values that do not open a way of an unlisted class (OSRM's whole blacklist).
ACCESS_NOT_OPENING: frozenset[str] = ACCESS_CLOSED | {
    "destination",
    "delivery",
    "customers",
    "permit",
    "residents",
}
#: Access values that open a way of an unlisted class (track, path…) to cars (OSRM whitelist).
ACCESS_OPEN: frozenset[str] = frozenset({"yes", "motorcar", "motor_vehicle", "vehicle", "permissive",
                                         "designated", "hov"})  # fmt: skip
#: Which access keys count, most specific first (OSRM ``access_tags_hierarchy``).
ACCESS_KEYS: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle", "access")
#: ``highway`` values never routed (OSRM ``avoid``): steps, works, planned roads, areas.
HIGHWAY_CLOSED: frozenset[str] = frozenset({"steps", "construction", "proposed", "area", "reversible",
                                            "impassable", "hov_lanes"})  # fmt: skip
#: ``construction=*`` values that do not close the road (OSRM ``construction_whitelist``).
CONSTRUCTION_OPEN: frozenset[str] = frozenset({"no", "widening", "minor"})


@dataclass(frozen=True)
class CarProfile:
    """Parameters of the car profile (defaults: OSRM's car profile; km/h, seconds, metres).

    Attributes
    ----------
    highway_speeds : dict
        Speed (km/h) per ``highway`` class. Other classes (``track``, ``path``, ``footway``,
        ``cycleway``, ``pedestrian``…) are used only when an access tag opens them to motor
        vehicles, at `default_speed`.
    default_speed : float
        10 km/h (OSRM ``default_speed``).
    speed_reduction : float
        A tagged ``maxspeed`` is driven at this fraction of the limit (OSRM 0.8): a
        ``maxspeed=50`` street takes 40 km/h whatever its class.
    walk_speed : float
        ``maxspeed=walk`` caps the speed at this value (10 km/h, OSRM's living-street speed;
        OSRM itself ignores ``walk``).
    ferry_speed, shuttle_train_speed : float
        5 and 10 km/h when no ``duration`` is tagged (OSRM ``route_speeds``).
    vehicle_height, vehicle_width, vehicle_length, vehicle_weight : float
        2.0 m, 1.9 m, 4.8 m, 2000 kg: ways whose ``maxheight``/``maxwidth``/``maxlength``/
        ``maxweight`` is smaller are closed (OSRM).
    """

    name: str = "car"
    highway_speeds: Mapping[str, float] = field(default_factory=lambda: dict(HIGHWAY_SPEEDS))
    default_speed: float = 10.0
    speed_reduction: float = 0.8
    walk_speed: float = 10.0
    ferry_speed: float = 5.0
    shuttle_train_speed: float = 10.0
    vehicle_height: float = 2.0
    vehicle_width: float = 1.9
    vehicle_length: float = 4.8
    vehicle_weight: float = 2000.0


def get_profile(profile: str | CarProfile) -> CarProfile:
    """``"car"`` → :class:`CarProfile`; a :class:`CarProfile` is returned as is."""
    if isinstance(profile, CarProfile):
        return profile
    if profile == "car":
        return CarProfile()
    from ..errors import APLError

    raise APLError(f"unknown routing profile {profile!r}; expected 'car' or a CarProfile.")


@dataclass(frozen=True)
class WaySpeed:
    """How a car uses one way.

    Attributes
    ----------
    forward, backward : float
        Speed in km/h along / against the way's node order; 0 = that direction is closed.
    duration : float
        Tagged duration of the whole way in seconds (ferries), NaN when the speed applies.
    """

    forward: float
    backward: float
    duration: float = math.nan


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")


def parse_maxspeed(value: str | None) -> float | None:
    """``maxspeed`` tag → km/h (``None`` when absent or not understood).

    ``"50"`` → 50, ``"30 mph"`` → 48.27 (1 mile = 1.609 km, as OSRM), ``"FR:urban"`` → 50,
    ``"FR:rural"`` → 80, ``"FR:motorway"`` → 130, ``"none"`` → 140, ``"walk"`` → ``-1``
    (a marker: cap at the profile's walk speed), ``"DE:urban"`` → 50 (zone defaults).
    A list ``"50;30"`` keeps the first value, as OSRM does.
    """
    if value is None:
        return None
    text = value.strip().lower()
    match = _NUMBER.match(text)
    if match:
        speed = float(match.group(1))
        return speed * 1.609 if ("mph" in text or "mp/h" in text) else speed
    if text == "walk":
        return -1.0
    if text in MAXSPEED_ZONES:
        return MAXSPEED_ZONES[text]
    zone = re.match(r"^[a-z]{2}(?:-[a-z]+)?:([a-z_]+)", text)
    if zone and zone.group(1) in MAXSPEED_ZONE_DEFAULTS:
        return MAXSPEED_ZONE_DEFAULTS[zone.group(1)]
    return None


_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value: str | None) -> float | None:
    """OSM ``duration`` → seconds: ``"MM"``, ``"HH:MM"``, ``"HH:MM:SS"`` or ISO 8601 ``"PT1H30M"``.

    Returns ``None`` when absent or unreadable (the ferry speed then applies). As OSRM, a
    duration is at least one second.
    """
    if value is None:
        return None
    text = value.strip().upper()
    parts = text.split(":")
    try:
        if all(p.strip().isdigit() for p in parts) and 1 <= len(parts) <= 3:
            nums = [int(p) for p in parts]
            seconds = {1: lambda: nums[0] * 60, 2: lambda: nums[0] * 3600 + nums[1] * 60,
                       3: lambda: nums[0] * 3600 + nums[1] * 60 + nums[2]}[len(nums)]()  # fmt: skip
            return max(float(seconds), 1.0)
    except ValueError:
        return None
    iso = _ISO.match(text)
    if iso and text not in ("P", "PT"):
        d, h, m, s = (float(g) if g else 0.0 for g in iso.groups())
        return max(d * 86400 + h * 3600 + m * 60 + s, 1.0)
    return None


def _metres(value: str | None) -> float | None:
    if value is None:
        return None
    match = _NUMBER.match(value.replace(",", "."))
    return float(match.group(1)) if match else None


def _kilograms(value: str | None) -> float | None:
    number = _metres(value)
    if number is None or value is None:
        return None
    if "lbs" in value:
        return number * 0.45359237
    return number if "kg" in value else number * 1000.0  # default unit: metric tonnes


def _first(tags: _Tags, keys: tuple[str, ...], suffix: str = "") -> str | None:
    for key in keys:
        value = tags.get(key + suffix)
        if value is not None:
            return value
    return None


def _access(tags: _Tags, suffix: str) -> str | None:
    value = _first(tags, ACCESS_KEYS, suffix)
    if value is None and suffix:
        value = _first(tags, ACCESS_KEYS)
    # "yes;no"-style lists: the first value decides (OSRM resolves only known values).
    return None if value is None else value.split(";")[0].strip()


def way_speed(tags: _Tags, profile: CarProfile | None = None) -> WaySpeed | None:
    """Apply the car profile to one way's tags; ``None`` when a car cannot use it at all.

    Parameters
    ----------
    tags : mapping-like
        The way's OSM tags (anything with ``get(key)``: a dict, an ``osmium`` tag list).
    profile : CarProfile, optional
        Default :class:`CarProfile()`.
    """
    p = profile or CarProfile()
    highway = tags.get("highway")
    route = tags.get("route")
    if not highway and not route:
        return None
    # Ways closed whatever the access tags (OSRM blocked_ways / avoid_ways / service).
    if highway in HIGHWAY_CLOSED or tags.get("area") == "yes" or tags.get("oneway") == "reversible":
        return None
    construction = tags.get("construction")
    if construction is not None and construction not in CONSTRUCTION_OPEN:
        return None
    if tags.get("service") == "emergency_access" or tags.get("smoothness") == "impassable":
        return None
    for key, limit in (
        ("maxheight", p.vehicle_height),
        ("maxwidth", p.vehicle_width),
        ("maxlength", p.vehicle_length),
    ):
        size = _metres(tags.get(key + ":physical") or tags.get(key))
        if size is not None and size > 0 and size < limit:
            return None
    weight = _kilograms(tags.get("maxweight"))
    if weight is not None and 0 < weight < p.vehicle_weight:
        return None

    fwd_access, bwd_access = _access(tags, ":forward"), _access(tags, ":backward")
    fwd_open = fwd_access not in ACCESS_CLOSED
    bwd_open = bwd_access not in ACCESS_CLOSED

    # Ferries and car shuttle trains: fixed speed, or the tagged duration of the crossing.
    duration = math.nan
    if route in ("ferry", "shuttle_train"):
        base = p.ferry_speed if route == "ferry" else p.shuttle_train_speed
        parsed = parse_duration(tags.get("duration"))
        if parsed is not None:
            duration = parsed
        fwd = bwd = base
    elif highway is not None and highway in p.highway_speeds:
        fwd = bwd = float(p.highway_speeds[highway])
    else:
        # An unlisted class (track, path, footway…) is a road only if an access tag opens it;
        # OSRM's restricted values (destination…) do not open it.
        fwd = (
            p.default_speed
            if fwd_access is not None and fwd_access not in ACCESS_NOT_OPENING
            else 0.0
        )
        bwd = (
            p.default_speed
            if bwd_access is not None and bwd_access not in ACCESS_NOT_OPENING
            else 0.0
        )
        if fwd == 0.0 and bwd == 0.0:
            return None

    if route not in ("ferry", "shuttle_train"):
        keys = ("maxspeed:advisory", "maxspeed", "source:maxspeed", "maxspeed:type")
        for suffix, current in ((":forward", fwd), (":backward", bwd)):
            limit_kmh = parse_maxspeed(_first(tags, keys, suffix) or _first(tags, keys))
            if limit_kmh is None or current == 0.0:
                continue
            speed = min(current, p.walk_speed) if limit_kmh < 0 else limit_kmh * p.speed_reduction
            if suffix == ":forward":
                fwd = speed
            else:
                bwd = speed
        for key, table in (
            ("surface", SURFACE_SPEEDS),
            ("tracktype", TRACKTYPE_SPEEDS),
            ("smoothness", SMOOTHNESS_SPEEDS),
        ):
            cap = table.get(tags.get(key) or "")
            if cap is not None:
                fwd, bwd = min(fwd, float(cap)), min(bwd, float(cap))

    # One-way rules (OSRM WayHandlers.oneway): the most specific oneway key wins.
    oneway = _first(tags, ("oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway"))
    if oneway == "-1":
        fwd = 0.0
    elif oneway in ("yes", "1", "true"):
        bwd = 0.0
    elif oneway != "no" and (
        highway == "motorway" or tags.get("junction") in ("roundabout", "circular")
    ):
        bwd = 0.0

    fwd = fwd if fwd_open else 0.0
    bwd = bwd if bwd_open else 0.0
    if fwd <= 0.0 and bwd <= 0.0:
        return None
    return WaySpeed(max(fwd, 0.0), max(bwd, 0.0), duration)


#: Barriers a car passes freely (OSRM ``barrier_whitelist``); any other ``barrier=*`` on a
#: road node blocks through traffic, except gates (a time penalty) and the exceptions below.
BARRIER_OPEN: frozenset[str] = frozenset({"cattle_grid", "border_control", "toll_booth", "sally_port", "no",
                                          "entrance", "height_restrictor", "arch"})  # fmt: skip
#: Seconds lost passing a node (OSRM ``barrier_penalties`` and ``lib/obstacles.lua``).
NODE_PENALTY_S: dict[str, float] = {"gate": 60.0, "lift_gate": 60.0, "traffic_signals": 2.0, "stop": 2.0,
                                    "give_way": 1.0}  # fmt: skip


@dataclass(frozen=True)
class NodeRule:
    """What a tagged OSM node does to cars passing through it.

    Attributes
    ----------
    blocked : bool
        A barrier (bollard, block, ``access=no``…): a route may start or end there, not pass.
    penalty_s : float
        Seconds added for passing (gate 60, traffic signals 2, stop 2, give way 1).
    """

    blocked: bool = False
    penalty_s: float = 0.0


def node_rule(tags: _Tags, profile: CarProfile | None = None) -> NodeRule | None:
    """Apply OSRM's car node rules to one node's tags; ``None`` when the node changes nothing.

    Access on the node (``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access``) decides
    first: a closed value other than ``private`` blocks (OSRM lets ``private`` pass), any
    other value lets cars through whatever the barrier. Otherwise a ``barrier`` not in
    :data:`BARRIER_OPEN` blocks, except rising bollards, lowered or flush kerbs, kerbs at
    crossings, audible fences, and gates (60 s). A ``height_restrictor`` below the vehicle
    height blocks. ``highway=traffic_signals``/``stop``/``give_way`` add 2/2/1 s.
    """
    p = profile or CarProfile()
    penalty = NODE_PENALTY_S.get(tags.get("highway") or "", 0.0)
    access = _first(tags, ACCESS_KEYS)
    if access is not None:
        access = access.split(";")[0].strip()
        blocked = access in ACCESS_CLOSED and access != "private"
        return NodeRule(blocked, penalty) if (blocked or penalty) else None
    barrier = tags.get("barrier")
    blocked = False
    if barrier:
        if barrier in ("gate", "lift_gate"):
            penalty += NODE_PENALTY_S[barrier]
        elif barrier == "height_restrictor":
            height = _metres(tags.get("maxheight"))
            blocked = height is not None and 0 < height < p.vehicle_height
        elif barrier not in BARRIER_OPEN:
            kerb = tags.get("kerb")
            exempt = (
                tags.get("bollard") == "rising"
                or kerb in ("lowered", "flush")
                or (barrier == "kerb" and tags.get("highway") == "crossing")
                or (barrier == "fence" and tags.get("sensory") in ("audible", "audio"))
            )
            blocked = not exempt
    return NodeRule(blocked, penalty) if (blocked or penalty) else None
