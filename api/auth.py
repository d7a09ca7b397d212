"""API keys, passwords, browser sessions and roles.

Machine clients send ``Authorization: Bearer <key>``. A key is 32 random bytes (``sk_…``); only
its SHA-256 is stored, so a leaked database does not leak keys. People log in to the web pages
with a username and password (argon2id hash, :mod:`argon2`); a login opens a server-side session
(:class:`api.db.models.WebSession`) that logout, a password reset and deactivation end. Roles:

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
from datetime import datetime, timedelta
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import models as m
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
    return principal_of(user)


def principal_of(user: m.User) -> Principal:
    """The principal of an active user (401 when its stored role is not a known one)."""
    role = user.role if user.role in ROLES else None
    if role is None:
        raise UnauthorizedError("the user has no valid role")
    return Principal(user_id=user.user_id, role=role, centre_ids=frozenset(user.centre_ids),
                     vehicle_id=user.vehicle_id, name=user.name)


# --------------------------------------------------------------------------------------------
# Passwords

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults
_DUMMY_HASH: list[str] = []


def normalise_username(text: str) -> str:
    """Usernames are compared without case and surrounding spaces."""
    return text.strip().lower()


def check_password(password: str) -> None:
    """Raise ``ValueError`` for a password that is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The stored form of a password (argon2id, salted)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``. Without a stored hash a dummy hash is checked,
    so an unknown username takes as long as a wrong password (no probing for usernames)."""
    if stored is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_HASHER.hash(secrets.token_urlsafe(16)))
        stored, password = _DUMMY_HASH[0], password + "\0never"
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def login_user(session: Session, username: str, password: str) -> m.User | None:
    """The active user with this username and password, or None (unknown, wrong or
    deactivated: the caller cannot tell which)."""
    user = repo.user_by_username(session, normalise_username(username))
    ok = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not ok or user.revoked_at is not None or user.role not in ROLES:
        return None
    assert user.password_hash is not None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# --------------------------------------------------------------------------------------------
# Browser sessions

SESSION_TTL = timedelta(hours=12)
"""A browser session lasts a working day; then the user logs in again."""
REMEMBER_TTL = timedelta(days=30)
"""A driver's device may stay logged in this long (the tablet in the vehicle)."""
SESSION_PREFIX = "ws_"


def session_ttl(role: str, remember: bool) -> timedelta:
    """How long a new session lasts: 30 days only for a driver who asked for it."""
    return REMEMBER_TTL if remember and role == "driver" else SESSION_TTL


def start_session(session: Session, user: m.User, remember: bool, now: datetime) -> str:
    """Open a browser session for ``user``; returns the cookie value (only its hash is
    stored)."""
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    keep = remember and user.role == "driver"
    session.add(m.WebSession(session_hash=hash_token(token), user_id=user.user_id,
                             created_at=now, expires_at=now + session_ttl(user.role, keep),
                             remember=keep))
    session.flush()
    return token


def session_principal(session: Session, token: str, now: datetime) -> Principal | None:
    """The user of an open session; None when unknown, ended, expired or deactivated."""
    row = session.execute(
        select(m.WebSession, m.User).join(m.User, m.User.user_id == m.WebSession.user_id)
        .where(m.WebSession.session_hash == hash_token(token))).one_or_none()
    if row is None:
        return None
    web_session, user = row
    if web_session.revoked_at is not None or web_session.expires_at <= now \
            or user.revoked_at is not None or user.role not in ROLES:
        return None
    return principal_of(user)


def end_session(session: Session, token: str, now: datetime) -> None:
    session.execute(update(m.WebSession).where(m.WebSession.session_hash == hash_token(token),
                                               m.WebSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def end_user_sessions(session: Session, user_id: int, now: datetime) -> int:
    """End every open session of a user (password reset, deactivation); returns how many."""
    result = session.execute(update(m.WebSession).where(m.WebSession.user_id == user_id,
                                                        m.WebSession.revoked_at.is_(None))
                             .values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def active_coordinators(session: Session) -> int:
    """Active coordinators, counted with their rows locked (PostgreSQL), so two coordinators
    deactivating each other at once cannot both succeed."""
    return len(session.scalars(select(m.User.user_id).where(
        m.User.role == "coordinator", m.User.revoked_at.is_(None)).with_for_update()).all())


def check_user_fields(role: str, centre_ids: Iterable[str], vehicle_id: str | None) -> None:
    """Validate a user's role and scope (raises ``ValueError`` naming the problem)."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "centre" and not list(centre_ids):
        raise ValueError("a centre user needs at least one centre id")
    if role == "driver" and not vehicle_id:
        raise ValueError("a driver needs a vehicle id")


def create_person(
    database_url: str,
    username: str,
    password: str,
    role: str,
    centre_ids: Iterable[str] = (),
    vehicle_id: str | None = None,
    name: str | None = None,
) -> int:
    """Create a person who logs in with ``username`` and ``password`` (no API key); returns
    the user id. Like :func:`create_user` it migrates the database first.

    Raises
    ------
    ValueError
        For a bad role or scope, a short password or a username already taken.
    """
    centres = list(dict.fromkeys(centre_ids))
    check_user_fields(role, centres, vehicle_id)
    check_password(password)
    login = normalise_username(username)
    if not login:
        raise ValueError("the username is empty")
    upgrade_database(database_url)
    database = Database(database_url)
    try:
        with database.unit_of_work() as session:
            if repo.user_by_username(session, login) is not None:
                raise ValueError(f"the username {login!r} is already taken")
            user = repo.add_user(session, name=name or username.strip(), role=role,
                                 token_hash=None, centre_ids=centres, vehicle_id=vehicle_id,
                                 username=login, password_hash=hash_password(password))
            repo.audit(session, None, "create", "user", str(user.user_id),
                       {"role": role, "centre_ids": centres, "vehicle_id": vehicle_id,
                        "username": login})
            log.info("created user %s with role %s (password login)", user.user_id, role)
            return int(user.user_id)
    finally:
        database.dispose()


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
