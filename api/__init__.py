"""Samkørsel application shell: REST API (FastAPI), storage (SQLAlchemy + Alembic) and CLI.

Layering: routes (HTTP only) → services (load from the database, call the core, save) → the pure
``routing`` core. Exceptions become RFC 9457 problem responses in exactly one place,
:mod:`api.errors`.
"""
