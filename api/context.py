"""What the app shares between requests: settings, database, road network, job runner."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from api.auth import PrincipalCache
from api.cache import LruCache
from api.db.database import Database
from api.db.types import utcnow
from api.gate import RequestGate
from api.settings import Settings
from maps.lines import LineCaches, RoadLines
from routing.model import Plan, Scenario
from routing.municipality.rules import MunicipalityRules
from routing.network.matrix import TravelMatrix
from routing.network.roads import (
    RoadNetwork,
    default_cache_dir,
    default_network_path,
    load_network,
)
from routing.operations.absences import absence_rules
from routing.planning.plan_io import plan_from_dict
from routing.planning.planner import place_matrix

log = logging.getLogger(__name__)


def network_path(settings: Settings) -> Path:
    """The road network file the service plans on."""
    if settings.network_path is not None:
        return settings.network_path
    return default_network_path()


def cache_dir(settings: Settings) -> Path:
    """Where prepared road networks are cached."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    return default_cache_dir()


_NETWORKS: dict[tuple[str, str], RoadNetwork] = {}
_NETWORKS_LOCK = threading.Lock()


class NetworkCache:
    """The road network, loaded on first use and kept in memory.

    Networks are immutable, so one copy per process serves every app instance (tests build many
    apps) and every thread; loading is serialised by a lock.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._key: tuple[str, str] | None = None

    @property
    def path(self) -> Path:
        return Path(self._cache_key()[0])

    def _cache_key(self) -> tuple[str, str]:
        if self._key is None:  # resolved once: resolving paths is not free
            self._key = (str(network_path(self._settings)), str(cache_dir(self._settings)))
        return self._key

    def get(self) -> RoadNetwork:
        key = self._cache_key()
        with _NETWORKS_LOCK:
            network = _NETWORKS.get(key)
            if network is None:
                network = load_network(self.path, cache_dir=cache_dir(self._settings))
                _NETWORKS[key] = network
                log.info("road network ready: %d nodes, %d edges", network.n_nodes,
                         network.n_edges)
            return network


class JobQueue(Protocol):
    """Where plan jobs go (:class:`api.plans.jobs.JobRunner`)."""

    def submit(self, plan_id: int) -> Future[str] | None: ...

    def recover(self) -> list[int]: ...

    def shutdown(self) -> None: ...


@dataclass
class AppContext:
    """Created by :func:`api.main.create_app`, kept in ``app.state.context``."""

    settings: Settings
    database: Database
    networks: NetworkCache
    jobs: JobQueue | None = None
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    """Recently authenticated API keys."""
    gate: RequestGate | None = None
    """Admission of requests to the database (made on the event loop at start-up)."""
    clock: Callable[[], datetime] = utcnow
    """Current time (aware); tests replace it to register afbud at a given moment."""
    extras: dict[str, Any] = field(default_factory=dict)
    default_rules: MunicipalityRules = field(init=False)
    """The rules when the municipality has stored none: the afbud deadline and long-absence
    threshold from the settings. The rules in force: :func:`api.grants.rules_store.rules_in_force`.
    """

    def __post_init__(self) -> None:
        defaults = absence_rules(self.settings.absence_deadline,
                                 self.settings.long_absence_days)  # validated once at start
        self.default_rules = MunicipalityRules(
            afbud_deadline=self.settings.absence_deadline,
            afbud_days_before=defaults.deadline.working_days_before,
            long_absence_days=defaults.long_absence_days)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today's date in the service's time zone."""
        return self.clock().astimezone(ZoneInfo(self.settings.timezone)).date()


_ROAD_LINES = LineCaches(snapped=LruCache(8192), legs=LruCache(16384), lines=LruCache(4096))


def road_lines(context: AppContext, snap_max_m: float) -> RoadLines:
    """Runs drawn along the roads of the service's network, with process-wide caches: a
    day's run shares its legs with other runs and dates, so most lines cost no path search."""
    return RoadLines(context.networks.get(), snap_max_m, caches=_ROAD_LINES)


_MATRICES = LruCache(4)
_PLANS = LruCache(16)


def travel_matrix_for(context: AppContext, scenario: Scenario) -> TravelMatrix:
    """The planner's travel matrix over the scenario's places, cached by places and network.

    Snapping and shortest paths take a while; the places change rarely (imports, moved homes),
    so daily runs and manifests reuse the matrix until they do.
    """
    params = scenario.plan_params
    network = context.networks.get()
    key = (
        network.digest,
        params.snap_max_m,
        tuple((r.rider_id, r.lat, r.lon) for r in scenario.riders),
        tuple((c.centre_id, c.lat, c.lon) for c in scenario.centres),
        tuple((v.vehicle_id, v.depot_lat, v.depot_lon) for v in scenario.vehicles),
    )
    matrix: TravelMatrix = _MATRICES.get_or_make(
        key, lambda: place_matrix(scenario, network, params))
    return matrix


def parsed_plan(key: Hashable, document: Callable[[], dict[str, Any]]) -> Plan:
    """A finished plan's document parsed, cached under ``key`` (finished plans never change;
    the key must identify the stored plan, e.g. id, creation and finish time). ``document`` is
    called only when the plan is not cached."""
    plan: Plan = _PLANS.get_or_make(key, lambda: plan_from_dict(document()))
    return plan
