"""Periodic work, enqueued by `zhifa worker` (the worker runs it through django-tasks).

(dotted path of a django-tasks task, interval in seconds). Every task here is idempotent.
"""

import logging
import threading
import time
from importlib import import_module

log = logging.getLogger(__name__)

PERIODIC = [
    ("zhifa.ledger.tasks.integrate_pending", 60),
    ("zhifa.registry.tasks.check_certificates", 24 * 3600),
    ("zhifa.deadlines.tasks.check_calendar_coverage_task", 24 * 3600),
    ("zhifa.catalog.tasks.supersede_due_task", 24 * 3600),
    ("zhifa.files.tasks.expire_uploads_task", 3600),
    ("zhifa.portal.tasks.publications_daily_task", 3600),
    ("zhifa.portal.annual.tasks.check_overdue_task", 24 * 3600),
    ("zhifa.reviews.tasks.check_review_deadlines_task", 3600),
]


def _resolve(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(import_module(module), name)


def enqueue_due(last_run: dict[str, float], now: float) -> list[str]:
    """Enqueue every periodic task whose interval has passed; returns the ones enqueued."""
    enqueued = []
    for dotted, interval in PERIODIC:
        if now - last_run.get(dotted, 0.0) >= interval:
            _resolve(dotted).enqueue()
            last_run[dotted] = now
            enqueued.append(dotted)
    return enqueued


def run_scheduler(stop: threading.Event, tick: float = 30.0) -> None:
    last_run: dict[str, float] = {}
    while not stop.is_set():
        try:
            enqueue_due(last_run, time.time())
        except Exception:  # keep the scheduler alive; the failure is logged and retried next tick
            log.exception("periodic enqueue failed")
        stop.wait(tick)
