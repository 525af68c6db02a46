"""Stale uploads expire, their bytes and crash leftovers are deleted."""

import datetime as dt
import os
import time
import uuid

import pytest
from django.utils import timezone

from zhifa.files import uploads
from zhifa.files.models import Upload
from zhifa.files.tasks import expire_uploads_task
from zhifa.files.tests.conftest import PURPOSE
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_stale_uploads_expire_and_leftovers_are_deleted(world, handler, settings, tmp_path):
    settings.ZHIFA_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")  # the temp dir is configurable
    settings.ZHIFA_UPLOAD_EXPIRE_SECONDS = 3600
    user = world.officer
    stale = uploads.create_upload(user=user, length=10, metadata={"purpose": PURPOSE, "case_id": "5"})
    fresh = uploads.create_upload(user=user, length=10, metadata={"purpose": PURPOSE})
    done = uploads.create_upload(user=user, length=3, metadata={"purpose": PURPOSE})
    assert stale.temp_path.startswith(str(tmp_path / "incoming"))
    import io

    uploads.receive(stale, io.BytesIO(b"abcd"), offset=0, count=4, user=user)
    uploads.receive(done, io.BytesIO(b"xyz"), offset=0, count=3, user=user)
    open(done.temp_path, "wb").close()  # a crash between the commit and the unlink left the file behind
    old_orphan = tmp_path / "incoming" / f"{uuid.uuid4()}.part"
    new_orphan = tmp_path / "incoming" / f"{uuid.uuid4()}.part"
    old_orphan.write_bytes(b"?")
    new_orphan.write_bytes(b"?")
    two_hours_ago = time.time() - 7200
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))
    Upload.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    # when the expiry runs (as the periodic task does)
    assert expire_uploads_task.call() == 1
    # then the stale upload expired, with its event on the case's timeline, and its bytes are gone
    stale.refresh_from_db()
    assert stale.state == Upload.State.EXPIRED and not os.path.exists(stale.temp_path)
    event = Event.objects.get(event_type="files.upload_expired")
    assert event.subject_id == str(stale.pk) and event.case_id == 5 and event.actor_name == "系统"
    # and the fresh one is untouched; the finished one's leftover and the old orphan are deleted
    fresh.refresh_from_db()
    assert fresh.state == Upload.State.RECEIVING and os.path.exists(fresh.temp_path)
    assert not os.path.exists(done.temp_path) and not old_orphan.exists() and new_orphan.exists()
    # and an expired upload is gone for its client
    with pytest.raises(uploads.Gone):
        uploads.get_upload(user, stale.pk)
    assert uploads.expire_stale_uploads() == 0
