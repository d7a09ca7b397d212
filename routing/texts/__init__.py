"""Texts for end users: :mod:`routing.texts.da` holds every Danish word the core, the maps and the
API share (weekdays, dates, kroner, directions, needs, unserved reasons)."""
