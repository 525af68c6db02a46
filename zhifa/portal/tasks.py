"""Periodic work of the publications (listed in zhifa.core.periodic.PERIODIC): expiry and overdue alerts."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def publications_daily_task(today: str | None = None) -> dict:
    """Take down expired publications and raise alerts for overdue ones (idempotent)."""
    from zhifa.portal.services import check_overdue, expire_due

    day = dt.date.fromisoformat(today) if today else None
    return {"expired": expire_due(day), "overdue": check_overdue(day)}
