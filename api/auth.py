"""API keys and roles.

Callers send ``Authorization: Bearer <key>``. A key is 32 random bytes (``sk_…``); only its SHA-256
is stored, so a leaked database does not leak keys. Roles:

* ``coordinator`` — everything.
* ``centre`` — staff of the centres in ``centre_ids``: those centres' riders, absences, closures
  and rider lists.
* ``driver`` — the runs and manifests of the vehicle ``vehicle_id``; records no-shows on them.

A resource the caller may not see answers **404**, exactly like an unknown id, so that centre
staff and drivers cannot probe for other centres' riders or other vehicles' manifests. An endpoint
the caller's role may never use answers **403**.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy.orm import Session

from api.db import repo
from api.db.database import Database, upgrade_database
from api.errors import ForbiddenError, UnauthorizedError

log = logging.getLogger(__name__)

Role = Literal["coordinator", "centre", "driver"]
ROLES: tuple[Role, ...] = get_args(Role)
TOKEN_PREFIX = "sk_"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    role: Role
    centre_ids: frozenset[str] = frozenset()
    vehicle_id: str | None = None
    name: str = ""
    """Who holds the key (printed on a driver's manifest; never logged)."""

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def sees_centre(self, centre_id: str) -> bool:
        """Whether the caller may see the centre's riders, absences and lists."""
        return self.is_coordinator or (self.role == "centre" and centre_id in self.centre_ids)

    def sees_vehicle(self, vehicle_id: str) -> bool:
        """Whether the caller may see the vehicle's runs and manifests."""
        return self.is_coordinator or (self.role == "driver" and vehicle_id == self.vehicle_id)

    def require(self, *roles: Role) -> None:
        """Raise 403 unless the caller has one of ``roles``."""
        if self.role not in roles:
            raise ForbiddenError(f"role {self.role!r} may not do this; needs "
                                 f"{' or '.join(roles)}")


class PrincipalCache:
    """Recently authenticated keys → principals, for ``ttl_s`` seconds (thread-safe).

    Saves a database lookup on most requests. Revoking a user clears this process's cache at
    once; another process may accept a revoked key for up to ``ttl_s`` seconds.
    """

    def __init__(self, ttl_s: float = 10.0, size: int = 1024) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        key = hash_token(token)
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                return None
            return item[1]

    def put(self, token: str, principal: Principal) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[hash_token(token)] = (time.monotonic() + self._ttl_s, principal)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def new_token() -> str:
    """A fresh random API key."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a key (hex SHA-256). Keys are random, so no salt or stretching is
    needed: guessing a 256-bit key is as hard as guessing its hash preimage."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, token: str | None) -> Principal:
    """The principal owning ``token``; 401 when missing, unknown or revoked."""
    if not token:
        raise UnauthorizedError("missing API key: send 'Authorization: Bearer <key>'")
    user = repo.user_by_token_hash(session, hash_token(token))
    if user is None or user.revoked_at is not None:
        raise UnauthorizedError("unknown or revoked API key")
    role = user.role if user.role in ROLES else None
    if role is None:
        raise UnauthorizedError("the API key has no valid role")
    return Principal(user_id=user.user_id, role=role, centre_ids=frozenset(user.centre_ids),
                     vehicle_id=user.vehicle_id, name=user.name)


def check_user_fields(role: str, centre_ids: Iterable[str], vehicle_id: str | None) -> None:
    """Validate a user's role and scope (raises ``ValueError`` naming the problem)."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "centre" and not list(centre_ids):
        raise ValueError("a centre user needs at least one centre id")
    if role == "driver" and not vehicle_id:
        raise ValueError("a driver needs a vehicle id")


def create_user(
    database_url: str,
    name: str,
    role: str,
    centre_ids: Iterable[str] = (),
    vehicle_id: str | None = None,
) -> str:
    """Create a user and return its API key (shown once; only its hash is stored).

    This is how the first coordinator is made (``samkorsel create-user``); the database is
    migrated first, so it works on an empty database.

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the service's database.
    name
        Who holds the key (shown in the audit log; not logged).
    role
        ``coordinator``, ``centre`` or ``driver``.
    centre_ids
        The centres a ``centre`` user works for.
    vehicle_id
        The vehicle a ``driver`` drives.

    Raises
    ------
    ValueError
        For an unknown role, a centre user without centres or a driver without a vehicle.
    """
    centres = list(dict.fromkeys(centre_ids))
    check_user_fields(role, centres, vehicle_id)
    upgrade_database(database_url)
    database = Database(database_url)
    try:
        token = new_token()
        with database.unit_of_work() as session:
            user = repo.add_user(session, name=name, role=role, token_hash=hash_token(token),
                                 centre_ids=centres, vehicle_id=vehicle_id)
            repo.audit(session, None, "create", "user", str(user.user_id),
                       {"role": role, "centre_ids": centres, "vehicle_id": vehicle_id})
            log.info("created user %s with role %s", user.user_id, role)
        return token
    finally:
        database.dispose()
