"""HTTP routes of users, API keys and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.schemas import AwareDateTime, IntId
from api.users import service
from api.users.schemas import AuditOut, PasswordIn, UserCreated, UserIn, UserOut

router = api_router(tags=["users"])


@router.get("/me", response_model=UserOut, summary="The caller's user")
def me(db: DbSession, who: CurrentUser) -> Any:
    return service.me(db, who)


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(404, 422),
             summary="Create a user and its API key (shown once)")
def create_user(data: UserIn, db: DbSession, who: CurrentUser, response: Response) -> Any:
    user, token = service.create_user(db, who, data)
    response.headers["Location"] = f"/api/v1/users/{user.user_id}"
    return UserCreated(token=token, **UserOut.model_validate(user).model_dump())


@router.get("/users", response_model=list[UserOut], summary="List users")
def list_users(db: DbSession, who: CurrentUser,
               include_revoked: Annotated[bool, Query()] = False) -> Any:
    return service.list_users(db, who, include_revoked)


@router.delete("/users/{user_id}", response_model=UserOut,
               responses=problem_responses(404, 409),
               summary="Deactivate a user (API key, password and sessions)")
def revoke_user(user_id: IntId, db: DbSession, who: CurrentUser, context: Context) -> Any:
    user = service.revoke_user(db, who, user_id)
    context.principals.clear()
    return user


@router.put("/users/{user_id}/password", response_model=UserOut,
            responses=problem_responses(404, 409, 422),
            summary="Reset a person's password (ends their browser sessions)")
def reset_password(user_id: IntId, data: PasswordIn, db: DbSession, who: CurrentUser,
                   context: Context) -> Any:
    user = service.reset_password(db, who, user_id, data.password)
    context.principals.clear()
    return user


@router.get("/audit", response_model=list[AuditOut], tags=["audit"],
            responses=problem_responses(422), summary="Who changed what when (newest first)")
def list_audit(
    db: DbSession, who: CurrentUser,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[AwareDateTime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    return service.list_audit(db, who, entity, entity_id, since, limit, offset)
