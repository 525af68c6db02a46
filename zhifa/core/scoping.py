"""Scoping: the one place that decides who may see and change what.

A scoped model uses `ScopedManager` and declares
    scope_agency_field  lookup path to the owning registry.Agency ("" when the row *is* an agency,
                        None when the row belongs to no agency, e.g. laws or jurisdictions)
    scope_public_q()    classmethod returning the Q of rows the public may see (None: nothing)
    scope_edit_roles    {action: set of Role} allowed to perform the action (within their territory)

Rules (architecture.md "Scoping in one place"):
    public (anonymous)         → only scope_public_q()
    officer / reviewer / head  → rows of their own agency (+ public rows)
    supervisor / machine       → rows of agencies in their jurisdiction subtree (+ public rows)
    admin                      → everything
Every list, detail, API, search and export starts from `visible_to(user)`. A detail lookup that hits an existing
but invisible row is recorded on the ledger as `access.denied` (see `get_visible`).
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Q

from zhifa.core.errors import NotFound, PermissionDenied
from zhifa.core.roles import AGENCY_ROLES, JURISDICTION_ROLES, Role

NOTHING = Q(pk__in=[])


def user_role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return getattr(user, "role", None)


def _territory_q(model, user) -> Q:
    """Rows of the user's territory (own agency, or jurisdiction subtree), ignoring the action."""
    role = user_role(user)
    field = getattr(model, "scope_agency_field", None)
    if role == Role.ADMIN:
        return Q()
    if field is None:
        # Not agency-owned (laws, jurisdictions, calendars): every authenticated staff member may read it.
        return Q() if role else NOTHING
    prefix = f"{field}__" if field else ""
    if role in AGENCY_ROLES:
        agency_id = getattr(user, "agency_id", None)
        if not agency_id:
            return NOTHING
        return Q(**{f"{prefix}pk": agency_id})
    if role in JURISDICTION_ROLES:
        jurisdiction = user.scope_jurisdiction if hasattr(user, "scope_jurisdiction") else None
        if jurisdiction is None:
            return NOTHING
        return Q(**{f"{prefix}jurisdiction__path__startswith": jurisdiction.path})
    return NOTHING


def visible_q(model, user) -> Q:
    public = model.scope_public_q() if hasattr(model, "scope_public_q") else None
    if user_role(user) is None:
        return public if public is not None else NOTHING
    territory = _territory_q(model, user)
    if public is None:
        return territory
    if not public.children or not territory.children:
        # An empty Q() means "every row". Django drops an empty operand from `|` (Q() | Q(x) is Q(x)), which
        # would turn "everything" into "only x": so an empty side short-cuts to everything here.
        return Q()
    return territory | public


def editable_q(model, user, action: str = "change") -> Q:
    role = user_role(user)
    if role is None:
        return NOTHING
    if role == Role.ADMIN:
        return Q()
    allowed = getattr(model, "scope_edit_roles", {}).get(action, ())
    if role not in allowed:
        return NOTHING
    return _territory_q(model, user)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(visible_q(self.model, user))

    def editable_by(self, user, action: str = "change"):
        return self.filter(editable_q(self.model, user, action))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def record_denied(user, model, lookup: dict, action: str = "view", channel: str = "") -> None:
    """Put a denied access on the ledger, committed on its own (the request itself fails afterwards)."""
    from zhifa.ledger.services import Actor, append

    with transaction.atomic():
        append(
            "access.denied",
            actor=Actor.from_user(user),
            subject=(model._meta.label_lower, str(lookup.get("pk", lookup.get("id", "")))),
            payload={"action": action, "lookup": {k: str(v) for k, v in lookup.items()}, "channel": channel},
        )


def get_visible(queryset_or_model, user, *, channel: str = "", **lookup):
    """Fetch one row the user may see; otherwise record the denial (if the row exists) and raise NotFound."""
    qs = (
        queryset_or_model
        if isinstance(queryset_or_model, models.QuerySet)
        else queryset_or_model.objects.all()
    )
    model = qs.model
    obj = qs.visible_to(user).filter(**lookup).first()
    if obj is not None:
        return obj
    if model._base_manager.filter(**lookup).exists():
        record_denied(user, model, lookup, "view", channel)
    raise NotFound("未找到该记录，或您无权查看。", code="not_found")


def require_editable(
    user,
    obj,
    action: str = "change",
    *,
    channel: str = "",
    message: str = "",
    code: str = "",
    citation: str = "",
    admin_override: bool = True,
) -> None:
    """Raise PermissionDenied (and record it) unless `user` may perform `action` on `obj`.

    `message`, `code` and `citation` replace the generic refusal. With `admin_override=False` the administrator
    (and any superuser) gets no bypass: only a role listed in `scope_edit_roles[action]`, within its territory,
    may act (e.g. the legal review of the owning agency, which no administrator may stand in for).
    """
    model = type(obj)
    role_ok = admin_override or user_role(user) in getattr(model, "scope_edit_roles", {}).get(action, ())
    if role_ok and model._default_manager.filter(pk=obj.pk).filter(editable_q(model, user, action)).exists():
        return
    record_denied(user, model, {"pk": obj.pk}, action, channel)
    raise PermissionDenied(
        message or "您无权执行此操作。", code=code or "permission_denied", citation=citation
    )


def can_create(user, model, agency) -> bool:
    """Whether `user` may create a `model` row owned by `agency` (no record: for showing buttons and forms)."""
    role = user_role(user)
    if role == Role.ADMIN:
        return True
    if role not in getattr(model, "scope_edit_roles", {}).get("create", ()):
        return False
    agency_model = type(agency)
    return (
        agency_model._default_manager.filter(pk=agency.pk).filter(_territory_q(agency_model, user)).exists()
    )


def require_can_create(
    user, model, agency, *, channel: str = "", message: str = "", code: str = "", citation: str = ""
) -> None:
    """Raise PermissionDenied (and record it) unless `user` may create a `model` row owned by `agency`.

    `message`, `code` and `citation` replace the generic refusal."""
    if can_create(user, model, agency):
        return
    record_denied(user, model, {"agency": agency.pk}, "create", channel)
    raise PermissionDenied(
        message or "您无权在该机关下新增此类记录。", code=code or "permission_denied", citation=citation
    )
