"""Parameters of planning and of the road network, with the shipped (municipal) defaults.

Frozen dataclasses; a scenario's ``scenario.toml`` may override any field by name (see
:func:`plan_params_from_mapping`). The core never reads environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

MIN = 60
DAY_MODELS = ("auto", "waves", "whole_day")
"""Values of ``PlanParams.day_model``."""
BETWEEN_RUNS = ("centre", "depot")
"""Values of ``PlanParams.between_runs``."""
DAY_SEARCHES = ("lns", "gls")
"""Values of ``PlanParams.day_search``."""


@dataclass(frozen=True, slots=True)
class PlanParams:
    """Rules and solver settings of the weekly plan (defaults from ``shared/docs/domain.md``)."""

    arrive_earliest_before_s: int = 20 * MIN
    """Riders arrive at the centre at most this long before their session starts."""
    arrive_latest_before_s: int = 5 * MIN
    """… and at least this long before it starts."""
    pickup_earliest_after_s: int = 0
    """Pickup at the centre at the earliest this long after the session ends."""
    pickup_latest_after_s: int = 15 * MIN
    """… and at the latest this long after it ends."""
    boarding_s: int = 2 * MIN
    """Boarding or alighting time per rider and stop."""
    boarding_wheelchair_s: int = 5 * MIN
    """Boarding or alighting time for a wheelchair user."""
    max_ride_s: int = 60 * MIN
    """Maximum ride time each way (Viborg's rule), unless the rider has an override."""
    detour_factor: float | None = None
    """If set, a rider's ride may also be at most this factor times the direct trip …"""
    min_detour_s: int = 30 * MIN
    """… but every rider accepts at least this much detour over the direct trip (FynBus)."""
    rounding_s: int = 5 * MIN
    """Published pickup times are multiples of this (1 = no rounding)."""
    pickup_tolerance_s: int = 10 * MIN
    """Pickup interval: the rider is ready at the agreed time and boards at most this long after
    it (the vehicle waits at the door, never with riders on board). The weekly plan uses less
    than the rounding grid of it; daily runs re-timed after afbud may use all of it."""
    consistency_s: int | None = 10 * MIN
    """A rider's pickup times differ by at most this across weekdays (None = not enforced)."""
    ride_time_weight_ore_per_hour: int = 5000
    """Secondary objective: cost of one hour of riders' ride time (øre), 0 = off."""
    wave_gap_s: int = 45 * MIN
    """Trips whose centre times lie closer than this are planned together (may share vehicles)."""
    time_limit_s: float = 90.0
    """Solver time for the whole weekly plan, shared among the wave problems by their size."""
    solution_limit: int | None = 100
    """Work budget per wave (solutions examined by the local search). When it binds before the
    time limit, the plan is the same on every machine for the same input and seed."""
    day_model: str = "auto"
    """How a weekday is solved: ``"waves"`` (each wave apart), ``"whole_day"`` (one problem
    over all its waves: a vehicle's day is one route, its fixed price paid once) or ``"auto"``
    (whole when the day has at most ``whole_day_max_requests`` trips)."""
    whole_day_max_requests: int = 300
    """Largest day solved whole under ``day_model = "auto"``; city-scale days go by waves."""
    between_runs: str = "centre"
    """Where a vehicle of a whole day (``day_model``) waits between two runs: ``"centre"``
    (a run that delivers riders to a centre may end there and the vehicle's next run start
    there, e.g. drop the 12:00 arrivals and pick up the 12:00 leavers in one visit) or
    ``"depot"`` (every run starts and ends at the vehicle's depot). A vehicle's day always
    starts and ends at its depot."""
    day_search: str = "lns"
    """How a whole day is improved from the waves' solution: ``"lns"`` (ruin and recreate in
    Python, OR-Tools polishing each new best: :mod:`routing.planning.lns`) or ``"gls"``
    (OR-Tools' guided local search alone)."""
    seed: int = 0
    """Seed for the solver's randomised parts; same input + seed → same plan."""
    workers: int = 1
    """Processes that solve independent parts (days after the busiest, pieces of a large
    wave) at once: 1 = one after the other (the default: at a fixed time limit it gave the
    cheaper plans on 2 cores, see README *Benchmarks*), 0 = the CPU count (at most 2), N."""
    clusters: int = 1
    """A region: plan the centres in this many geographic clusters, each with its share of
    the fleet, as independent plans solved at once and merged (:mod:`routing.planning.region`;
    vehicles then never cross a cluster's border). 1 = one plan over everything."""
    snap_max_m: float = 500.0
    """Points farther than this from any road are rejected as off the network."""
    door_stop_warn_m: float = 100.0
    """A home farther than this from where the vehicle stops (its point snapped to the nearest
    road) is flagged by ``verify`` and on the rider's page: its own street may be missing from
    the network."""
    door_stop_warn_wheelchair_m: float = 30.0
    """The same limit for wheelchair users."""

    def __post_init__(self) -> None:
        if self.clusters < 1:
            raise ValueError(f"plan parameter 'clusters' must be at least 1; got {self.clusters}")
        if self.day_model not in DAY_MODELS:
            raise ValueError(f"plan parameter 'day_model' must be one of "
                             f"{', '.join(DAY_MODELS)}; got {self.day_model!r}")
        if self.day_search not in DAY_SEARCHES:
            raise ValueError(f"plan parameter 'day_search' must be one of "
                             f"{', '.join(DAY_SEARCHES)}; got {self.day_search!r}")
        if self.between_runs not in BETWEEN_RUNS:
            raise ValueError(f"plan parameter 'between_runs' must be one of "
                             f"{', '.join(BETWEEN_RUNS)}; got {self.between_runs!r}")

    def with_overrides(self, **changes: Any) -> PlanParams:
        return replace(self, **changes)


PLAN_PARAM_NAMES: frozenset[str] = frozenset(f.name for f in fields(PlanParams))

# Minute-valued aliases accepted in scenario.toml, e.g. ``max_ride_min = 75``.
_MINUTE_ALIASES = {
    name[: -len("_s")] + "_min": name
    for name in PLAN_PARAM_NAMES
    if name.endswith("_s") and name not in ("time_limit_s",)
}


def plan_params_from_mapping(
    values: Mapping[str, Any], base: PlanParams | None = None
) -> PlanParams:
    """Build :class:`PlanParams` from a mapping (e.g. the ``[plan]`` table of ``scenario.toml``).

    Keys are field names; any ``*_s`` field may also be given in minutes as ``*_min``.

    Raises
    ------
    ValueError
        For an unknown key or a value of the wrong type.
    """
    base = base or PlanParams()
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = _MINUTE_ALIASES.get(key, key)
        if name not in PLAN_PARAM_NAMES:
            known = ", ".join(sorted(PLAN_PARAM_NAMES | set(_MINUTE_ALIASES)))
            raise ValueError(f"unknown plan parameter {key!r}; known: {known}")
        if key != name:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"plan parameter {key!r} must be a number of minutes")
            value = round(float(value) * MIN)
        current = getattr(base, name)
        if isinstance(current, bool) or (current is not None and isinstance(value, bool)):
            raise ValueError(f"plan parameter {key!r} has the wrong type")
        if isinstance(current, int) and isinstance(value, float) and value.is_integer():
            value = int(value)
        if current is not None and not isinstance(value, type(current)) and not (
            isinstance(current, float) and isinstance(value, int)
        ):
            raise ValueError(
                f"plan parameter {key!r} must be {type(current).__name__}, got {value!r}"
            )
        changes[name] = value
    return replace(base, **changes)


def plan_params_from_stored(values: Mapping[str, Any] | None) -> PlanParams:
    """The :class:`PlanParams` of a stored document: a plan file's ``params``, a plan job's
    request or the scenario's stored configuration. The one place they are parsed.

    Keys are field names as written by :func:`plan_params_to_stored`; other keys (a job's
    ``reoptimise`` source, fields of older versions) are ignored, missing ones keep the defaults,
    so documents written before a field existed stay readable.
    """
    known = {k: v for k, v in (values or {}).items() if k in PLAN_PARAM_NAMES}
    return replace(PlanParams(), **known)


def plan_params_to_stored(params: PlanParams) -> dict[str, Any]:
    """The JSON-ready form of ``params`` (read back by :func:`plan_params_from_stored`)."""
    return asdict(params)


# Danish default speeds (km/h) per OSM road class, used where ``maxspeed`` is missing.
# General limits: 50 in built-up areas, 80 on rural roads, 130 on motorways; lower on
# residential streets and 15 on living streets (opholds- og legeområder).
DANISH_SPEEDS_RURAL_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 80.0,
    "trunk": 80.0,
    "trunk_link": 60.0,
    "primary": 80.0,
    "primary_link": 60.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 70.0,
    "tertiary_link": 50.0,
    "unclassified": 60.0,
    "residential": 50.0,
    "living_street": 15.0,
    "road": 50.0,
    "service": 30.0,
}
DANISH_SPEEDS_URBAN_KPH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 60.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 50.0,
    "secondary": 50.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 40.0,
    "residential": 40.0,
    "living_street": 15.0,
    "road": 40.0,
    "service": 20.0,
}


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """How a road network is prepared from OSM."""

    speeds_rural_kph: Mapping[str, float] = field(
        default_factory=lambda: dict(DANISH_SPEEDS_RURAL_KPH)
    )
    speeds_urban_kph: Mapping[str, float] = field(
        default_factory=lambda: dict(DANISH_SPEEDS_URBAN_KPH)
    )
    fallback_kph: float = 50.0
    snap_max_m: float = 500.0
