"""Places that must lie on the road network: centres and depots are checked when written.

A centre in the sea (a typo in a latitude, ``0, 0``) would otherwise be stored and break the
travel matrix of every day; refusing it at write keeps one record from stopping everyone.
"""

from __future__ import annotations

from api.context import AppContext
from routing.network.snap import snap_points


def require_on_network(context: AppContext, point_id: str, lat: float, lon: float) -> None:
    """422 ``off-network`` (id, distance_m) when the place is farther than the configured limit
    (``SAMKORSEL_MAX_SNAP_M``) from every road."""
    snap_points(context.networks.get(), [(point_id, lat, lon)],
                max_distance_m=context.settings.max_snap_m)
