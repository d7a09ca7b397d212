"""Maps and printouts of a weekly plan: GeoJSON, an interactive web map and driver manifests.

Depends only on :mod:`routing` (never on :mod:`api`). Every map made from the road data must show
the attribution "© OpenStreetMap contributors" (ODbL).
"""
