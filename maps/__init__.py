"""Maps and printouts of a weekly plan: GeoJSON, an interactive web map and driver manifests.

Depends only on :mod:`routing` (never on :mod:`api`). Every map made from the road data must show
the attribution "© OpenStreetMap contributors" (ODbL).
"""

ATTRIBUTION = "© OpenStreetMap contributors"
"""Required by the ODbL on every map or data product made from the OSM road data."""

Position = tuple[float, float]
"""``(lon, lat)`` in degrees (WGS 84)."""

StopMark = tuple[Position, str, bool]
"""``((lon, lat), label, cancelled)``: a stop as a route map shows it (numbered, grey when
cancelled)."""
