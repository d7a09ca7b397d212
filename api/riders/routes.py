"""HTTP routes of riders and vehicles (no logic: see the service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.riders import service
from api.riders.schemas import (
    RiderFields,
    RiderIn,
    RiderOut,
    RiderPatch,
    VehicleFields,
    VehicleIn,
    VehicleOut,
)
from api.schemas import resource_path

router = api_router(prefix="/riders", tags=["riders"])
vehicles = api_router(prefix="/vehicles", tags=["vehicles"])


@router.get("", response_model=list[RiderOut], responses=problem_responses(404, 422),
            summary="List riders (centre staff: their centres' riders only)")
def list_riders(db: DbSession, who: CurrentUser,
                centre_id: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    return service.list_riders(db, who, centre_id)


@router.post("", response_model=RiderOut, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(404, 409, 422),
             summary="Create a rider: home, centre, granted sessions and needs")
def create_rider(data: RiderIn, db: DbSession, who: CurrentUser, response: Response,
                 context: Context) -> Any:
    rider = service.create_rider(db, who, data, context)
    response.headers["Location"] = resource_path("riders", rider.rider_id)
    return rider


@router.get("/{rider_id}", response_model=RiderOut, responses=problem_responses(404),
            summary="Get a rider")
def get_rider(rider_id: str, db: DbSession, who: CurrentUser) -> Any:
    return service.visible_rider(db, who, rider_id)


ThroughLivingPlan = Annotated[bool, Query(description=(
    "The rider is carried by runs of a published plan and you will make the new version "
    "with the living plan next (`POST /plans/{id}/change`): store the change anyway. Without "
    "it, changing such a rider's home, centre, sessions or needs answers 409 naming the runs "
    "(nothing is stored), so no edit silently outdates the plan drivers follow."))]


@router.put("/{rider_id}", response_model=RiderOut,
            responses=problem_responses(404, 409, 422), summary="Replace a rider's data")
def replace_rider(rider_id: str, data: RiderFields, db: DbSession, who: CurrentUser,
                  context: Context, through_living_plan: ThroughLivingPlan = False) -> Any:
    return service.replace_rider(db, who, rider_id, data, context,
                                 guard=not through_living_plan)


@router.patch("/{rider_id}", response_model=RiderOut,
              responses=problem_responses(404, 409, 422),
              summary="Change some of a rider's data (e.g. needs, home or grants)")
def patch_rider(rider_id: str, data: RiderPatch, db: DbSession, who: CurrentUser,
                context: Context, through_living_plan: ThroughLivingPlan = False) -> Any:
    return service.patch_rider(db, who, rider_id, data, context,
                               guard=not through_living_plan)


@router.delete("/{rider_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404, 409),
               summary="Delete a rider (with their absences, no-shows and decisions)",
               description="A rider the plan in force carries is taken out of it: a new "
               "version without them is published (nobody else's time moves; see its diff "
               "and notifications). 409 when that version would break a rule.")
def delete_rider(rider_id: str, db: DbSession, who: CurrentUser, context: Context) -> Response:
    service.delete_rider(db, who, rider_id, context)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@vehicles.get("", response_model=list[VehicleOut],
              summary="List vehicles (a driver: their own)")
def list_vehicles(db: DbSession, who: CurrentUser) -> Any:
    return [VehicleOut.of(v) for v in service.list_vehicles(db, who)]


@vehicles.post("", response_model=VehicleOut, status_code=status.HTTP_201_CREATED,
               responses=problem_responses(409, 422), summary="Create a vehicle and its depot")
def create_vehicle(data: VehicleIn, db: DbSession, who: CurrentUser, response: Response,
                   context: Context) -> Any:
    vehicle = service.create_vehicle(db, who, data, context)
    response.headers["Location"] = resource_path("vehicles", vehicle.vehicle_id)
    return VehicleOut.of(vehicle)


@vehicles.get("/{vehicle_id}", response_model=VehicleOut, responses=problem_responses(404),
              summary="Get a vehicle")
def get_vehicle(vehicle_id: str, db: DbSession, who: CurrentUser) -> Any:
    return VehicleOut.of(service.visible_vehicle(db, who, vehicle_id))


@vehicles.put("/{vehicle_id}", response_model=VehicleOut,
              responses=problem_responses(404, 409, 422),
              summary="Replace a vehicle's data (409 naming the runs when seats, hours or "
              "depot no longer fit published runs)")
def replace_vehicle(vehicle_id: str, data: VehicleFields, db: DbSession,
                    who: CurrentUser, context: Context) -> Any:
    return VehicleOut.of(service.replace_vehicle(db, who, vehicle_id, data, context))


@vehicles.delete("/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT,
                 responses=problem_responses(404, 409),
                 summary="Delete a vehicle (409 while the plan in force uses it)")
def delete_vehicle(vehicle_id: str, db: DbSession, who: CurrentUser,
                   context: Context) -> Response:
    service.delete_vehicle(db, who, vehicle_id, context.today())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
