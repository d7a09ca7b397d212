"""A plan's web map (runs by weekday along the roads, riders by name), cached per plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.cache import LruCache
from api.context import AppContext, road_lines
from api.plans import service as plans
from api.scenario.service import scenario_from_db
from api.web.pages import PREFIX
from maps.webmap import map_config

_MAP_CONFIGS = LruCache(32)


def plan_map(context: AppContext, db: Session, plan_row: Any, plan: Any,
              weekday: str | None) -> dict[str, Any]:
    scenario = scenario_from_db(db, context.networks.path)
    names = {r.rider_id: r.name for r in scenario.riders}
    snap = plan.params.snap_max_m
    runs = [r for r in plan.runs if weekday is None or r.weekday == weekday]
    key = (context.settings.database_url, plans.plan_key(plan_row), weekday,
           tuple(sorted(names.items())))
    config: dict[str, Any] = _MAP_CONFIGS.get_or_make(key, lambda: map_config(
        runs, context.networks.get(), group_by="weekday", centres=scenario.centres,
        rider_names=names, snap_max_m=snap, roads=f"{PREFIX}/kort/vejnet.geojson",
        lines=road_lines(context, snap)))
    return config
