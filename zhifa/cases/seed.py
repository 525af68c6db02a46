"""Statutory amounts the case gates read (rows with citations, like the period rules of zhifa.deadlines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

PENALTY = "administrative-penalty-law"
PENALTY_FROM = dt.date(2021, 7, 15)

ONSITE_MAX_NATURAL = "penalty.onsite_max_natural"
ONSITE_MAX_ORG = "penalty.onsite_max_org"
LATE_FEE_DAILY_PERCENT = "penalty.late_fee_daily_percent"

LIMITS = [
    (ONSITE_MAX_NATURAL, "当场处罚罚款上限（公民）", Decimal("200"), (PENALTY, 51)),
    (ONSITE_MAX_ORG, "当场处罚罚款上限（法人或者其他组织）", Decimal("3000"), (PENALTY, 51)),
    (LATE_FEE_DAILY_PERCENT, "逾期加处罚款每日比例（%）", Decimal("3"), (PENALTY, 72, 1, 1)),
]


def seed() -> int:
    """Create the missing versions; returns how many were created. Idempotent."""
    from zhifa.cases.models import StatutoryLimit
    from zhifa.laws.services import cite

    created = 0
    with transaction.atomic():
        for code, name, value, citation in LIMITS:
            if StatutoryLimit.objects.filter(code=code, valid_from=PENALTY_FROM).exists():
                continue
            StatutoryLimit.objects.create(
                code=code, name=name, value=value, citation=cite(*citation), valid_from=PENALTY_FROM
            )
            created += 1
    return created
