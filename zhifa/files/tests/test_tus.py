"""The tus 1.0 endpoint through Django's test client: protocol, rules, refusals, and the completion transaction."""

import base64
import hashlib
import io
import json
import os

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from zhifa.files import uploads, views
from zhifa.files.models import Blob, Upload
from zhifa.files.tests.conftest import OCTET, PURPOSE, sm3
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db

URL = "/files/tus/"
TUS = {"Tus-Resumable": "1.0.0"}


def meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, length, *, purpose=PURPOSE, headers=None, **metadata):
    return client.post(
        URL,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": meta(purpose=purpose, **metadata)}
        | (headers or {}),
    )


def patch(client, location, offset, data, *, content_type=OCTET, headers=None):
    # the test client drops Content-Type and Content-Length of an empty body; a real client sends them
    empty = {} if data else {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": "0"}
    return client.generic(
        "PATCH",
        location,
        data=data,
        content_type=content_type,
        headers={**TUS, "Upload-Offset": str(offset)} | (headers or {}),
        **empty,
    )


@pytest.fixture
def officer_client(world):
    client = Client()
    client.force_login(world.officer)
    return client


def test_options_announces_version_extensions_and_max_size(client, settings):
    settings.ZHIFA_UPLOAD_MAX_SIZE = 12345
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
    }
    assert response["Tus-Max-Size"] == "12345"


def test_upload_in_chunks_computes_both_digests_and_registers_once(officer_client, world, handler):
    # given a 3.5 MB file sent in three PATCH requests
    data = os.urandom(3_500_000)
    created = create(
        officer_client, len(data), filename="执法记录仪 01.mp4", filetype="video/mp4", case_id="42"
    )
    assert created.status_code == 201, created.content
    location = created["Location"]
    assert location.startswith("http://testserver/files/tus/")
    upload = Upload.objects.get()
    assert upload.metadata["filename"] == "执法记录仪 01.mp4" and upload.purpose == PURPOSE
    offset = 0
    for size in (1_000_000, 1_500_000, 1_000_000):
        response = patch(officer_client, location, offset, data[offset : offset + size])
        assert response.status_code == 204, response.content
        offset += size
        assert response["Upload-Offset"] == str(offset)
        assert response["Tus-Resumable"] == "1.0.0"
    # then the blob holds the bytes, with both digests, and the handler ran once in the finishing transaction
    blob = Blob.objects.get()
    assert blob.sm3 == sm3(data) and blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data) and blob.content_type == "video/mp4"
    assert handler.calls == [(upload.pk, blob.pk, world.officer.pk)]
    upload.refresh_from_db()
    assert upload.state == Upload.State.FINISHED and upload.blob == blob and upload.finished_at
    assert json.loads(response["Upload-Result"]) == {"evidence_id": 1}
    assert not os.path.exists(upload.temp_path)
    # and the chain of custody is on the ledger, on the case's timeline
    types = list(Event.objects.filter(subject_id=str(upload.pk)).values_list("event_type", "case_id"))
    assert types == [
        ("files.upload_created", 42),
        ("test.evidence_registered", 7),
        ("files.upload_finished", 42),
    ]
    finished = Event.objects.get(event_type="files.upload_finished")
    assert json.loads(finished.payload)["sm3"] == blob.sm3
    # and HEAD afterwards reports the whole length
    head = officer_client.head(location, headers=TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == str(len(data))


def test_head_reports_offset_length_and_metadata(officer_client, handler):
    location = create(officer_client, 10, filename="询问笔录.pdf")["Location"]
    patch(officer_client, location, 0, b"abcd")
    response = officer_client.head(location, headers=TUS)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "4" and response["Upload-Length"] == "10"
    assert response["Cache-Control"] == "no-store"
    assert views.parse_metadata(response["Upload-Metadata"]) == {
        "purpose": PURPOSE,
        "filename": "询问笔录.pdf",
    }
    assert "GMT" in response["Upload-Expires"]


def test_wrong_offset_is_409_and_changes_nothing(officer_client, handler):
    location = create(officer_client, 10)["Location"]
    patch(officer_client, location, 0, b"abcd")
    response = patch(officer_client, location, 2, b"xxxx")
    assert response.status_code == 409
    assert response["Upload-Offset"] == "4"
    assert "服务器已接收 4 字节" in response.json()["message"]
    assert Upload.objects.get().offset == 4


def test_patch_needs_the_tus_content_type(officer_client, handler):
    location = create(officer_client, 10)["Location"]
    response = patch(officer_client, location, 0, b"abcd", content_type="application/octet-stream")
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_missing_or_other_tus_version_is_412(officer_client, handler):
    response = officer_client.post(
        URL, headers={"Upload-Length": "5", "Upload-Metadata": meta(purpose=PURPOSE)}
    )
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"
    response = create(officer_client, 5, headers={"Tus-Resumable": "0.2.2"})
    assert response.status_code == 412
    assert not Upload.objects.exists()


def test_too_large_is_413_at_creation_and_past_the_length(officer_client, handler, settings):
    settings.ZHIFA_UPLOAD_MAX_SIZE = 100
    response = create(officer_client, 101)
    assert response.status_code == 413 and response["Tus-Max-Size"] == "100"
    assert "超过上限" in response.json()["message"]
    assert not Upload.objects.exists()
    location = create(officer_client, 5)["Location"]
    response = patch(officer_client, location, 0, b"123456")
    assert response.status_code == 413
    assert Upload.objects.get().offset == 0


def test_creation_refuses_bad_length_metadata_and_unknown_purpose(officer_client, handler):
    assert officer_client.post(URL, headers=TUS).status_code == 400  # no Upload-Length
    deferred = officer_client.post(URL, headers={**TUS, "Upload-Defer-Length": "1"})
    assert deferred.status_code == 400 and "延迟" in deferred.json()["message"]
    bad = officer_client.post(URL, headers={**TUS, "Upload-Length": "5", "Upload-Metadata": "purpose ***"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_metadata"
    no_purpose = officer_client.post(URL, headers={**TUS, "Upload-Length": "5"})
    assert no_purpose.status_code == 400 and "用途" in no_purpose.json()["message"]
    unknown = create(officer_client, 5, purpose="nothing.here")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_purpose"
    assert not Upload.objects.exists()


def test_purpose_validation_refuses_before_any_byte(officer_client, handler):
    response = create(officer_client, 5, case_id="999")
    assert response.status_code == 400
    assert response.json() == {"code": "case_closed", "message": "案件不存在或已结案，不能上传证据。"}
    assert not Upload.objects.exists()


def test_anonymous_is_refused(client, handler):
    assert create(client, 5).status_code == 401
    assert not Upload.objects.exists()


def test_denied_someone_elses_upload_is_404_and_recorded(officer_client, world, handler):
    # given an upload of one officer
    location = create(officer_client, 10)["Location"]
    other = Client()
    other.force_login(world.officer_b)
    # when another user asks for it or writes to it, then it does not exist for them, and the denial is recorded
    assert other.head(location, headers=TUS).status_code == 404
    assert patch(other, location, 0, b"evil").status_code == 404
    assert other.delete(location, headers=TUS).status_code == 404
    denied = Event.objects.filter(event_type="access.denied", subject_type="files.upload")
    assert denied.count() == 3 and {e.actor_id for e in denied} == {world.officer_b.pk}
    assert Upload.objects.get().offset == 0 and Upload.objects.get().state == Upload.State.RECEIVING


def test_session_requests_need_the_csrf_token(world, handler):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer)
    refused = create(client, 5)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert not Upload.objects.exists()
    token = "Zhifa0CsrfSecret0123456789abcdef"  # a browser's csrftoken cookie (32 characters)
    client.cookies["csrftoken"] = token
    created = create(client, 5, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    refused_patch = patch(client, created["Location"], 0, b"12345")
    assert refused_patch.status_code == 403 and Upload.objects.get().offset == 0
    done = patch(client, created["Location"], 0, b"12345", headers={"X-CSRFToken": token})
    assert done.status_code == 204


def test_bearer_token_clients_need_no_csrf_token(world, handler):
    from zhifa.api.auth import issue_token

    _, secret = issue_token(world.officer, "执法记录仪工作站")
    client = Client(enforce_csrf_checks=True)
    auth = {"Authorization": f"Bearer {secret}"}
    location = create(client, 3, headers=auth)["Location"]
    assert patch(client, location, 0, b"abc", headers=auth).status_code == 204
    assert Upload.objects.get().state == Upload.State.FINISHED
    assert create(client, 3, headers={"Authorization": "Bearer zf_wrong"}).status_code == 401


def test_termination_deletes_the_bytes_and_the_upload_is_gone(officer_client, handler):
    location = create(officer_client, 10)["Location"]
    patch(officer_client, location, 0, b"abcd")
    upload = Upload.objects.get()
    assert os.path.exists(upload.temp_path)
    assert officer_client.delete(location, headers=TUS).status_code == 204
    assert not os.path.exists(upload.temp_path)
    assert officer_client.head(location, headers=TUS).status_code == 410
    assert patch(officer_client, location, 4, b"efgh").status_code == 410
    assert Event.objects.filter(event_type="files.upload_terminated", subject_id=str(upload.pk)).exists()


def test_a_finished_upload_cannot_be_terminated(officer_client, handler):
    location = create(officer_client, 3)["Location"]
    patch(officer_client, location, 0, b"abc")
    response = officer_client.delete(location, headers=TUS)
    assert response.status_code == 409 and "不能删除" in response.json()["message"]
    assert Blob.objects.count() == 1


def test_creation_with_upload_and_empty_uploads(officer_client, handler):
    response = officer_client.post(
        URL,
        data=b"hello",
        content_type=OCTET,
        headers={**TUS, "Upload-Length": "11", "Upload-Metadata": meta(purpose=PURPOSE)},
    )
    assert response.status_code == 201 and response["Upload-Offset"] == "5"
    assert patch(officer_client, response["Location"], 5, b" world").status_code == 204
    assert Blob.objects.get().sm3 == sm3(b"hello world")
    empty = create(officer_client, 0)
    assert empty.status_code == 201 and empty["Upload-Offset"] == "0"
    assert Blob.objects.filter(sm3=sm3(b"")).exists() and len(handler.calls) == 2


def test_unknown_upload_is_404_and_other_methods_405(officer_client, handler):
    missing = "/files/tus/00000000-0000-4000-8000-000000000000"
    assert officer_client.head(missing, headers=TUS).status_code == 404
    assert officer_client.get(URL).status_code == 405
    assert officer_client.put(missing, headers=TUS).status_code == 405


def test_method_override_header(officer_client, handler):
    location = create(officer_client, 4)["Location"]
    response = officer_client.post(
        location,
        data=b"ab",
        content_type=OCTET,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )
    assert response.status_code == 204 and response["Upload-Offset"] == "2"


def test_refused_completion_leaves_no_blob_and_can_be_retried(officer_client, world, handler):
    # given a handler that refuses
    handler.refuse = True
    data = b"evidence bytes" * 1000
    location = create(officer_client, len(data))["Location"]
    # when the last byte arrives
    response = patch(officer_client, location, 0, data)
    # then the client sees the Chinese message with its article, and nothing is registered
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_evidence",
        "message": "证据类型无效，不能登记。",
        "citation": "行政处罚法第四十六条",
    }
    assert not Blob.objects.exists()
    assert not Event.objects.filter(
        event_type__in=["test.evidence_registered", "files.upload_finished"]
    ).exists()
    upload = Upload.objects.get()
    assert upload.state == Upload.State.RECEIVING and upload.offset == len(data)
    assert upload.sm3 == sm3(data)  # the digests are kept: a retry does not hash again
    head = officer_client.head(location, headers=TUS)
    assert head["Upload-Offset"] == str(len(data))
    # when the cause is fixed and the client retries with an empty PATCH at the end
    handler.refuse = False
    retry = patch(officer_client, location, len(data), b"")
    assert retry.status_code == 204
    blob = Blob.objects.get()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert Upload.objects.get().state == Upload.State.FINISHED
    assert Event.objects.filter(event_type="test.evidence_registered").count() == 1


def test_same_content_twice_is_one_blob(officer_client, handler):
    for _ in range(2):
        location = create(officer_client, 6)["Location"]
        assert patch(officer_client, location, 0, b"same!!").status_code == 204
    assert Blob.objects.count() == 1 and len(handler.calls) == 2
    assert len({c[1] for c in handler.calls}) == 1


def test_digest_is_rebuilt_when_another_process_resumes(officer_client, handler):
    # given half an upload received by "another process" (this one forgets its live digest)
    data = os.urandom(2_500_000)
    location = create(officer_client, len(data))["Location"]
    patch(officer_client, location, 0, data[:1_300_000])
    upload = Upload.objects.get()
    uploads._LIVE.drop(upload.pk)
    # and bytes after the durable offset that a crash left behind (received, never synced or recorded)
    with open(upload.temp_path, "ab") as f:
        f.write(b"\x00" * 50_000)
    before = dict(uploads.REHASH_STATS)
    # when the client resumes at the offset HEAD reports
    head = officer_client.head(location, headers=TUS)
    assert head["Upload-Offset"] == "1300000"
    assert patch(officer_client, location, 1_300_000, data[1_300_000:]).status_code == 204
    # then the prefix was re-hashed from the file, the leftover cut off, and the digests are those of the source
    assert uploads.REHASH_STATS["count"] == before["count"] + 1
    assert uploads.REHASH_STATS["bytes"] == before["bytes"] + 1_300_000
    blob = Blob.objects.get()
    assert (blob.sm3, blob.sha256) == (sm3(data), hashlib.sha256(data).hexdigest())


def test_a_dropped_connection_keeps_what_arrived(world, handler, settings):
    settings.ZHIFA_UPLOAD_SYNC_BYTES = 1 << 20
    data = os.urandom(3 << 20)
    upload = uploads.create_upload(user=world.officer, length=len(data), metadata={"purpose": PURPOSE})

    class Dropping(io.BytesIO):
        def read(self, n=-1):
            if self.tell() >= 2 << 20:
                raise ConnectionResetError("client went away")
            return super().read(n)

    # when the connection breaks after 2 MiB of a PATCH announcing everything
    with pytest.raises(ConnectionResetError):
        uploads.receive(upload, Dropping(data), offset=0, count=len(data), user=world.officer)
    # then what arrived is kept (durably), and a stream that simply ends early is kept too
    assert Upload.objects.get().offset == 2 << 20  # read in whole 1 MiB chunks: 2 of them before the break
    upload = uploads.receive(
        upload, io.BytesIO(data[2 << 20 : (2 << 20) + 10]), offset=2 << 20, count=5000, user=world.officer
    )
    assert upload.offset == (2 << 20) + 10
    uploads.receive(
        upload,
        io.BytesIO(data[upload.offset :]),
        offset=upload.offset,
        count=len(data) - upload.offset,
        user=world.officer,
    )
    assert Blob.objects.get().sm3 == sm3(data)


def test_a_second_writer_is_told_to_wait(officer_client, handler):
    location = create(officer_client, 10)["Location"]
    upload = Upload.objects.get()
    with uploads._FileLock(upload):
        response = patch(officer_client, location, 0, b"abc")
        assert response.status_code == 423
        assert officer_client.delete(location, headers=TUS).status_code == 423
    assert patch(officer_client, location, 0, b"abc").status_code == 204


def test_registering_a_purpose_twice_with_another_function_is_an_error(handler):
    with pytest.raises(ValueError):
        uploads.register_completion_handler(PURPOSE, lambda u, b, user: None)
    uploads.register_completion_handler(PURPOSE, handler.complete, validate=handler.validate)  # same: fine


@given(
    st.dictionaries(
        st.text(
            alphabet=st.characters(blacklist_characters=" ,", blacklist_categories=("Cs", "Zs", "Cc")),
            min_size=1,
            max_size=10,
        ),
        st.text(max_size=40),
        max_size=6,
    )
)
def test_metadata_round_trip(metadata):
    assert views.parse_metadata(views.encode_metadata(metadata)) == metadata
