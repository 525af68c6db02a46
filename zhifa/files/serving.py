"""Serving a Blob over HTTP with range requests (RFC 9110 §14): playback of audio/video and resumable downloads.

`serve_blob` does no access check and writes no ledger event: the caller (e.g. CASES) checks that the user may see
the record, puts the 调阅 event on the ledger, then returns `serve_blob(...)`.
"""

from __future__ import annotations

import mimetypes
import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date

from zhifa.files import services
from zhifa.files.models import Blob

_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The one byte range [start, end] (inclusive) that `Range: bytes=...` asks of `size` bytes.

    Returns None when the header is absent, malformed, or asks for several ranges (the whole file is served then,
    which RFC 9110 allows), and False when it is unsatisfiable (416).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _RANGE.match(spec)
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else None
    if end is not None and end < start:
        return None  # invalid: ignored
    if start >= size:
        return False
    end = size - 1 if end is None else end
    return start, min(end, size - 1)


def _etag(blob: Blob) -> str:
    return f'"{blob.sha256}"'


def _file_chunks(path, start: int, length: int):
    with open(path, "rb") as f:
        f.seek(start)
        remaining = length
        while remaining:
            chunk = f.read(min(services.CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def serve_blob(
    request,
    blob: Blob,
    *,
    filename: str,
    as_attachment: bool = False,
    content_type: str | None = None,
) -> HttpResponse:
    """200 with the whole file, 206 with one range, 304 when the client has it, 416 for an unsatisfiable range.

    Streams from the file (never loads it); ETag is the SHA-256; If-None-Match and If-Range are honoured.
    """
    etag = _etag(blob)
    size = blob.size
    content_type = (
        content_type or blob.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    common = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Last-Modified": http_date(blob.created_at.timestamp()),
        "Cache-Control": "private, no-transform",  # access-controlled: never in a shared cache
        "Content-Disposition": content_disposition_header(as_attachment, filename),
        "X-Content-Type-Options": "nosniff",
    }
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response

    def finish(response):
        for name, value in common.items():
            response[name] = value
        return response

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, etag):
        return finish(HttpResponse(status=304))

    wanted = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range")
    if wanted is not None and if_range and if_range.strip() != etag:
        wanted = None  # the client's copy is another version: send the whole file
    path = services.blob_path(blob)
    head = request.method == "HEAD"

    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return finish(response)
    if wanted is None:
        if head:
            response = HttpResponse(content_type=content_type)
            response["Content-Length"] = str(size)
            return finish(response)
        response = FileResponse(open(path, "rb"), content_type=content_type)
        response["Content-Length"] = str(size)
        return finish(response)
    start, end = wanted
    length = end - start + 1
    if head:
        response = HttpResponse(status=206, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _file_chunks(path, start, length), status=206, content_type=content_type
        )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return finish(response)
