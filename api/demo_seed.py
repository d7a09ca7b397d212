"""Fill a database with a scenario and its plan, for ``samkorsel demo`` and the load benchmark."""

from __future__ import annotations

import logging

from api.auth import hash_password, hash_token, new_token, normalise_username
from api.db import models as m
from api.db import repo
from api.db.database import Database, upgrade_database
from api.db.repo_plans import plan_summary
from api.db.types import utcnow
from api.scenario.service import store_scenario
from api.settings import Settings
from routing.model import Plan, Scenario
from routing.params import plan_params_to_stored
from routing.planning.plan_io import plan_to_dict

log = logging.getLogger(__name__)

DEMO_USERNAME = "koordinator"
DEMO_PASSWORD = "samkorsel-demo"
"""The demo coordinator's login: printed by ``samkorsel demo``; only for the demo database."""


def seed_demo_database(
    settings: Settings,
    scenario: Scenario,
    plan: Plan | None = None,
    *,
    user_name: str = "demo coordinator",
    username: str | None = DEMO_USERNAME,
    password: str | None = DEMO_PASSWORD,
) -> str:
    """Store ``scenario`` (replacing what is there), publish ``plan``, create a coordinator.

    Parameters
    ----------
    settings
        Service settings (their ``database_url`` is migrated and filled).
    scenario
        Centres, sessions, riders and vehicles to store.
    plan
        A finished weekly plan of ``scenario``; stored as done and published.
    user_name
        Name of the coordinator created.
    username, password
        The coordinator's web login (None: API key only).

    Returns
    -------
    str
        The coordinator's API key.
    """
    upgrade_database(settings.database_url)
    database = Database(settings.database_url)
    try:
        token = new_token()
        with database.unit_of_work() as db:
            login = normalise_username(username) if username and password else None
            old = repo.user_by_username(db, login) if login else None
            if old is not None:  # a second demo run on the same database: a fresh coordinator
                old.username = None
                old.revoked_at = old.revoked_at or utcnow()
                db.flush()
            user = repo.add_user(db, name=user_name, role="coordinator",
                                 token_hash=hash_token(token), username=login,
                                 password_hash=hash_password(password) if login and password
                                 else None)
            store_scenario(db, scenario, "replace", user.user_id)
            if plan is not None:
                now = utcnow()
                document = plan_to_dict(plan)
                row = m.PlanRecord(
                    name=f"{scenario.name} (demo)", status="done", attempts=1,
                    progress={"stage": "done", "done": 1, "total": 1},
                    params=plan_params_to_stored(plan.params),
                    document=document, summary=plan_summary(document), violations=None,
                    created_by=user.user_id, created_at=now, started_at=now,
                    finished_at=now, published=True, published_at=now,
                    published_by=user.user_id,
                )
                db.add(row)
                db.flush()
                repo.audit(db, user.user_id, "publish", "plan", str(row.plan_id),
                           {"seeded": True})
        log.info("demo database seeded: %d riders, plan stored: %s", len(scenario.riders),
                 plan is not None)
        return token
    finally:
        database.dispose()


def seed_demo(settings: Settings, scenario: Scenario, plan: Plan) -> tuple[str, list[str]]:
    """``samkorsel demo``: the scenario and its published plan in the database, a demo
    coordinator, and a centre and a driver login (all with :data:`DEMO_PASSWORD`).

    Returns the coordinator's API key and the lines telling how to log in.
    """
    token = seed_demo_database(settings, scenario, plan)
    people: list[tuple[str, str, str, list[str], str | None]] = []
    if scenario.centres:
        centre = scenario.centres[0]
        people.append(("center", f"Personale, {centre.name}", "centre", [centre.centre_id], None))
    if scenario.vehicles:
        vehicle = scenario.vehicles[0]
        people.append(("chauffoer", f"Chauffør, vogn {vehicle.vehicle_id}", "driver", [],
                       vehicle.vehicle_id))
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as db:
            for username, name, role, centre_ids, vehicle_id in people:
                old = repo.user_by_username(db, username)
                if old is not None:
                    old.username = None
                    old.revoked_at = old.revoked_at or utcnow()
                    db.flush()
                repo.add_user(db, name=name, role=role, token_hash=None, centre_ids=centre_ids,
                              vehicle_id=vehicle_id, username=username,
                              password_hash=hash_password(DEMO_PASSWORD))
    finally:
        database.dispose()
    lines = [f"database: {settings.database_url}",
             f"log in to the web pages as the demo coordinator: username [bold]{DEMO_USERNAME}"
             f"[/], password [bold]{DEMO_PASSWORD}[/]"]
    lines += [f"  or as {role} ({name}): username [bold]{username}[/], same password"
              for username, name, role, _, _ in people]
    return token, lines
