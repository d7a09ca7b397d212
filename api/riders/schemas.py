"""Riders (home, grants, needs) and vehicles over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, model_validator

from api.db import models as m
from api.schemas import (
    Address,
    ApiModel,
    Id,
    Latitude,
    Longitude,
    Name,
    OutModel,
    TimeOfDay,
    time_seconds,
    time_text,
)

SessionIds = Annotated[list[Id], Field(min_length=1, max_length=50,
                                       description="Granted sessions (bevilling), all of the "
                                       "rider's centre.")]
Notes = Annotated[str, Field(max_length=2000, description="Pickup notes for the driver "
                             "(no diagnoses, no CPR numbers).")]
Assessment = Annotated[str | None, Field(max_length=2000, description="The centre's concrete "
                                         "assessment that the shared ride is not an option "
                                         "(reimbursement): why.")]
AssessedBy = Annotated[str | None, Field(max_length=200, description="Who at the centre made "
                                         "the assessment.")]


class RiderFields(ApiModel):
    """A rider without the id: home, centre and grants, needs."""

    name: Name
    centre_id: Id
    lat: Latitude = Field(description="Home latitude.")
    lon: Longitude = Field(description="Home longitude.")
    address: Address = ""
    session_ids: SessionIds
    wheelchair: bool = False
    escort: bool = Field(default=False, description="A companion (ledsager) travels along.")
    notes: Notes = ""
    max_ride_s: int | None = Field(default=None, gt=0, le=6 * 3600,
                                   description="Override of the maximum ride time.")
    detour_factor: float | None = Field(default=None, ge=1, le=10, allow_inf_nan=False)
    boarding_s: int | None = Field(default=None, ge=0, le=3600)
    can_travel_alone: bool = Field(default=False, description="Can take public transport alone.")
    has_driver: bool = Field(default=False, description="Someone can drive them by car.")
    can_cycle: bool = Field(default=False, description="Can cycle or ride a moped to the centre.")
    centre_assessment: Assessment = None
    centre_assessment_by: AssessedBy = None
    centre_assessment_on: date | None = Field(default=None, description="When the centre made "
                                              "its assessment.")


class RiderIn(RiderFields):
    rider_id: Id


class RiderPatch(ApiModel):
    """Fields to change; omitted fields keep their value."""

    name: Name | None = None
    centre_id: Id | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: Address | None = None
    session_ids: SessionIds | None = None
    wheelchair: bool | None = None
    escort: bool | None = None
    notes: Notes | None = None
    max_ride_s: int | None = Field(default=None, gt=0, le=6 * 3600)
    detour_factor: float | None = Field(default=None, ge=1, le=10, allow_inf_nan=False)
    boarding_s: int | None = Field(default=None, ge=0, le=3600)
    can_travel_alone: bool | None = None
    has_driver: bool | None = None
    can_cycle: bool | None = None
    centre_assessment: Assessment = None
    centre_assessment_by: AssessedBy = None
    centre_assessment_on: date | None = None


class RiderOut(OutModel):
    rider_id: str
    name: str
    centre_id: str
    lat: float
    lon: float
    address: str
    session_ids: list[str]
    wheelchair: bool
    escort: bool
    notes: str
    max_ride_s: int | None
    detour_factor: float | None
    boarding_s: int | None
    can_travel_alone: bool
    has_driver: bool
    can_cycle: bool
    centre_assessment: str | None
    centre_assessment_by: str | None
    centre_assessment_on: date | None
    created_at: datetime
    updated_at: datetime


class Layout(ApiModel):
    """An interior layout of a vehicle: a wheelchair place may replace seats."""

    seats: int = Field(ge=0, le=100)
    wheelchair_places: int = Field(ge=0, le=20)


class VehicleFields(ApiModel):
    kind: str = Field(default="", max_length=100, examples=["minibus med lift"])
    depot_lat: Latitude
    depot_lon: Longitude
    seats: int = Field(ge=0, le=100)
    wheelchair_places: int = Field(ge=0, le=20)
    layouts: list[Layout] = Field(
        default_factory=list, max_length=10,
        description="Further layouts the vehicle can take (e.g. 6 seats + 3 wheelchair places); "
                    "the standard layout (seats, wheelchair_places) is always included.")
    fixed_cost_ore: int = Field(ge=0, le=10**9, description="Price per vehicle-day (øre).")
    cost_per_km_ore: int = Field(ge=0, le=10**7)
    cost_per_hour_ore: int = Field(ge=0, le=10**8)
    available_from: TimeOfDay
    available_to: TimeOfDay

    @model_validator(mode="after")
    def _check(self) -> VehicleFields:
        if self.seats + self.wheelchair_places == 0:
            raise ValueError("a vehicle needs at least one seat or wheelchair place")
        if any(lay.seats + lay.wheelchair_places == 0 for lay in self.layouts):
            raise ValueError("a layout needs at least one seat or wheelchair place")
        if time_seconds(self.available_from) >= time_seconds(self.available_to):
            raise ValueError("available_from is not before available_to")
        return self


class VehicleIn(VehicleFields):
    vehicle_id: Id


class VehicleOut(OutModel):
    vehicle_id: str
    kind: str
    depot_lat: float
    depot_lon: float
    seats: int
    wheelchair_places: int
    layouts: list[Layout]
    fixed_cost_ore: int
    cost_per_km_ore: int
    cost_per_hour_ore: int
    available_from: str
    available_to: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: m.Vehicle) -> VehicleOut:
        return cls(
            vehicle_id=row.vehicle_id, kind=row.kind, depot_lat=row.depot_lat,
            depot_lon=row.depot_lon, seats=row.seats, wheelchair_places=row.wheelchair_places,
            layouts=[Layout(seats=a, wheelchair_places=b) for a, b in dict.fromkeys(
                [(row.seats, row.wheelchair_places),
                 *((int(x["seats"]), int(x["wheelchair_places"])) for x in row.layouts or ())])],
            fixed_cost_ore=row.fixed_cost_ore, cost_per_km_ore=row.cost_per_km_ore,
            cost_per_hour_ore=row.cost_per_hour_ore,
            available_from=time_text(row.available_from_s),
            available_to=time_text(row.available_to_s), created_at=row.created_at,
            updated_at=row.updated_at,
        )
