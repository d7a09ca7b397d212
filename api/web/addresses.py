"""Address suggestions for coordinators (REST ``GET /api/v1/addresses`` and the web form).

Answers come from the offline geocoder built from the address points of the service's road
network file (:mod:`routing.network.geocode`), read once per process.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.context import AppContext, cache_dir
from api.deps import Context, CurrentUser, api_router
from api.errors import problem_responses
from routing.network.geocode import AddressIndex, AddressPoint, GeocodeResult, address_index

log = logging.getLogger(__name__)

router = api_router(tags=["riders"])


class AddressOut(BaseModel):
    label: str = Field(description="As written on a letter: `Langgade 12, Tranebjerg, 8305 "
                       "Samsø`.")
    street: str
    housenumber: str
    postcode: str
    city: str
    place: str
    lat: float
    lon: float
    score: float = Field(description="How well the street matched (100 = exactly).")


class GeocodeOut(BaseModel):
    query: str
    status: Literal["exact", "corrected", "ambiguous", "missing_housenumber",
                    "unknown_housenumber", "unknown_street", "no_addresses", "empty"] = Field(
        description="`exact`: found as typed; `corrected`: found after correcting a typo in "
        "the street (confirm it); otherwise not placed, see `suggestions`.")
    message: str
    found: AddressOut | None = Field(description="The address, when it is unambiguous.")
    suggestions: list[AddressOut] = Field(description="Ranked, best first.")


def _address(point: AddressPoint, score: float) -> AddressOut:
    return AddressOut(label=point.label, street=point.street, housenumber=point.housenumber,
                      postcode=point.postcode, city=point.city, place=point.place,
                      lat=point.lat, lon=point.lon, score=round(score, 1))


def geocode_out(result: GeocodeResult) -> GeocodeOut:
    return GeocodeOut(
        query=result.query, status=result.status, message=result.message,
        found=_address(result.point, result.suggestions[0].score if result.suggestions
                       else 100.0) if result.point is not None else None,
        suggestions=[_address(s.address, s.score) for s in result.suggestions])


def addresses_of(context: AppContext) -> AddressIndex:
    """The address index of the service's road network file (read on first use)."""
    return address_index(context.networks.path, cache_dir(context.settings))


def warm_addresses(context: AppContext) -> None:
    """Read the address index in a background thread when the app is built (decompressing
    the network file the first time takes seconds; the first lookup should not wait)."""

    def run() -> None:
        try:
            addresses_of(context)
        except Exception:  # a broken network file is reported by the lookups themselves
            log.exception("address index not prepared")

    threading.Thread(target=run, name="address-index", daemon=True).start()


@router.get("/addresses", response_model=GeocodeOut, responses=problem_responses(422),
            summary="Find an address (offline, from the road network's address points)")
async def find_address(
    who: CurrentUser, context: Context,
    q: Annotated[str, Query(min_length=1, max_length=200,
                            description="`Street 12, 8305 City`; postcode and city optional.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> Any:
    """Coordinators (who enter riders, centres and depots by address) and centre staff."""
    who.require("coordinator", "centre")
    index = await run_in_threadpool(addresses_of, context)
    return geocode_out(index.geocode(q, limit=limit))
