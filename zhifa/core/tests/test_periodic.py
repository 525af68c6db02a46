import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core import periodic
from zhifa.core.models import Alert
from zhifa.registry.models import Certificate

pytestmark = pytest.mark.django_db


def test_enqueue_due_runs_each_task_once_per_interval(world):
    # given a certificate about to expire (tests run tasks at once: ImmediateBackend)
    cert = world.market_officer.certificates.get()
    Certificate.objects.filter(pk=cert.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=5))
    last: dict[str, float] = {}
    # when the scheduler ticks for the first time, every periodic task is enqueued (and so runs)
    first = periodic.enqueue_due(last, now=1_000_000.0)
    assert first == [dotted for dotted, _ in periodic.PERIODIC]
    assert Alert.objects.open().filter(kind="certificate_expiring", subject_id=str(cert.pk)).exists()
    # then nothing again until its interval has passed
    assert periodic.enqueue_due(last, now=1_000_001.0) == []
    later = 1_000_000.0 + max(interval for _, interval in periodic.PERIODIC)
    assert periodic.enqueue_due(last, now=later) == first
