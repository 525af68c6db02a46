"""Range serving of a Blob: 200/206/304/416, suffix and open ranges, If-Range, HEAD, streaming."""

import os

import pytest
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.files import services
from zhifa.files.serving import parse_range, serve_blob

pytestmark = pytest.mark.django_db

DATA = os.urandom(3 * 1024 * 1024 + 17)  # more than one read chunk
rf = RequestFactory()


@pytest.fixture
def blob():
    return services.store_bytes(DATA, content_type="video/mp4")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_whole_file_with_etag_and_disposition(blob):
    response = serve_blob(rf.get("/"), blob, filename="执法记录 01.mp4", as_attachment=True)
    assert response.status_code == 200 and body(response) == DATA
    assert response["ETag"] == f'"{blob.sha256}"' and response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(DATA)) and response["Content-Type"] == "video/mp4"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    inline = serve_blob(rf.get("/"), blob, filename="a.mp4")
    assert inline["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1048570-2097160", 1048570, 2097160),
        ("bytes=3000000-", 3000000, len(DATA) - 1),
        ("bytes=-500", len(DATA) - 500, len(DATA) - 1),
        ("bytes=100-999999999", 100, len(DATA) - 1),
        ("bytes=-999999999", 0, len(DATA) - 1),
    ],
)
def test_single_ranges_are_206(blob, header, start, end):
    response = serve_blob(rf.get("/", headers={"Range": header}), blob, filename="a.mp4")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == DATA[start : end + 1]


@pytest.mark.parametrize(
    "header", [f"bytes={len(DATA)}-", f"bytes={len(DATA) + 5}-{len(DATA) + 9}", "bytes=-0"]
)
def test_unsatisfiable_range_is_416(blob, header):
    response = serve_blob(rf.get("/", headers={"Range": header}), blob, filename="a.mp4")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-3", "bytes=abc", "bytes=-"])
def test_several_or_malformed_ranges_get_the_whole_file(blob, header):
    response = serve_blob(rf.get("/", headers={"Range": header}), blob, filename="a.mp4")
    assert response.status_code == 200 and body(response) == DATA


def test_conditional_requests(blob):
    etag = f'"{blob.sha256}"'
    assert serve_blob(rf.get("/", headers={"If-None-Match": etag}), blob, filename="a").status_code == 304
    same = serve_blob(rf.get("/", headers={"Range": "bytes=0-9", "If-Range": etag}), blob, filename="a")
    assert same.status_code == 206
    changed = serve_blob(
        rf.get("/", headers={"Range": "bytes=0-9", "If-Range": '"other"'}), blob, filename="a"
    )
    assert changed.status_code == 200 and body(changed) == DATA


def test_head_has_headers_and_no_body(blob):
    whole = serve_blob(rf.head("/"), blob, filename="a.mp4")
    assert whole.status_code == 200 and whole["Content-Length"] == str(len(DATA)) and whole.content == b""
    part = serve_blob(rf.head("/", headers={"Range": "bytes=10-19"}), blob, filename="a.mp4")
    assert part.status_code == 206 and part["Content-Length"] == "10" and part.content == b""
    assert serve_blob(rf.post("/"), blob, filename="a").status_code == 405


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000))
def test_parse_range_matches_slicing(a, b):
    data = bytes(range(256)) * 10  # 2560 bytes
    got = parse_range(f"bytes={a}-{b}", len(data))
    if b < a:
        assert got is None
    elif a >= len(data):
        assert got is False
    else:
        start, end = got
        assert data[start : end + 1] == data[a : b + 1]
