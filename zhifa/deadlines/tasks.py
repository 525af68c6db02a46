"""Background work of the deadlines engine (django-tasks). Enqueue daily, e.g. from the scheduler or cron:
check_calendar_coverage_task.enqueue()
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def check_calendar_coverage_task(today: str | None = None) -> list[int]:
    """Raise the supervisor alert for each year that needs calendar data and has none (see services)."""
    from zhifa.deadlines.services import check_calendar_coverage

    return check_calendar_coverage(dt.date.fromisoformat(today) if today else None)
