"""The roles of domain.md §2. Registry users carry one of these; scoping (core.scoping) reads them."""

from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    REVIEWER = "reviewer", "法制审核人员"
    HEAD = "head", "执法机关负责人"
    SUPERVISOR = "supervisor", "司法局监督人员"
    ADMIN = "admin", "系统管理员"
    MACHINE = "machine", "上级平台（机器客户端）"


# Roles whose scope is their own agency.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.REVIEWER, Role.HEAD})
# Roles whose scope is a jurisdiction subtree (read), not one agency.
JURISDICTION_ROLES = frozenset({Role.SUPERVISOR, Role.MACHINE})
