"""The tus 1.0 endpoint (https://tus.io/protocols/resumable-upload): core protocol plus the creation,
creation-with-upload, termination and expiration extensions, at /files/tus/.

HTTP only: every rule is in zhifa/files/uploads.py. The request body is read in chunks from the WSGI stream
(`request.read(n)`), never as `request.body`, so memory stays flat whatever the size.

Authentication and CSRF. A browser is authenticated by its session and must send Django's CSRF token in the
X-CSRFToken header (the widget reads it from the csrftoken cookie; Uppy/tus-js-client take it as a header option):
the view is marked csrf_exempt only so that the same URL can also serve machine clients with an API bearer token
(no ambient credential, so no CSRF risk), and it runs Django's own CSRF check (token, and Origin/Referer on HTTPS)
itself for every session-authenticated POST/PATCH/DELETE. Nothing is relaxed for browsers.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from zhifa.core.errors import DomainError
from zhifa.files import uploads
from zhifa.files.models import Upload

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration"
OCTET_STREAM = "application/offset+octet-stream"


class _BadRequest(DomainError):
    status = 400
    code = "bad_request"


def _base_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _empty(status: int, **headers) -> HttpResponse:
    response = HttpResponse(status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return _base_headers(response)


def _error(status: int, code: str, message: str, *, head: bool = False, **extra) -> HttpResponse:
    if head:  # a HEAD response has no body
        return _empty(status)
    body = json.dumps({"code": code, "message": message, **extra}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    return _base_headers(response)


def _domain_error(exc: DomainError, *, head: bool = False) -> HttpResponse:
    response = _error(exc.status, exc.code, exc.message, head=head, **_extras(exc))
    if isinstance(exc, uploads.OffsetMismatch) and "offset" in exc.details:
        response["Upload-Offset"] = str(exc.details["offset"])
    if exc.status == 413 and "max_size" in exc.details:
        response["Tus-Max-Size"] = str(exc.details["max_size"])
    return response


def _extras(exc: DomainError) -> dict:
    extra = {}
    if exc.citation:
        extra["citation"] = exc.citation
    if exc.details:
        extra["details"] = exc.details
    return extra


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs (the value may be absent)."""
    metadata: dict[str, str] = {}
    if not header.strip():
        return metadata
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or parts[0] in metadata:
            raise _BadRequest("Upload-Metadata 格式错误。", code="invalid_metadata")
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise _BadRequest(
                f"Upload-Metadata 中“{parts[0]}”的值不是有效的 Base64。", code="invalid_metadata"
            ) from None
        metadata[parts[0]] = value
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in metadata.items())


def _int_header(request, name: str, *, required: bool = True) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        if required:
            raise _BadRequest(f"缺少请求头 {name}。", code="missing_header")
        return None
    if not raw.isdigit():
        raise _BadRequest(f"请求头 {name} 必须是非负整数。", code="invalid_header")
    return int(raw)


def _authenticate(request):
    """The user, or an HttpResponse refusing the request (401, or 403 for a failed CSRF check)."""
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        from zhifa.api.auth import TokenAuth

        user = TokenAuth().authenticate(request, auth[7:].strip())
        if user is None:
            return _error(401, "invalid_token", "访问令牌无效或已过期。", head=request.method == "HEAD")
        return user
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return _error(401, "login_required", "请先登录。", head=request.method == "HEAD")
    refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if refused is not None:
        return _error(403, "csrf_failed", "请求未通过跨站请求伪造（CSRF）校验，请刷新页面后重试。")
    return user


def _method(request) -> str:
    override = request.headers.get("X-HTTP-Method-Override", "")
    if request.method == "POST" and override.upper() in {"PATCH", "DELETE", "HEAD"}:
        return override.upper()
    return request.method


def _options() -> HttpResponse:
    return _empty(
        204,
        Tus_Version=TUS_VERSION,
        Tus_Extension=EXTENSIONS,
        Tus_Max_Size=uploads.max_size(),
    )


def _check_version(request, method: str) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        response = _error(
            412, "unsupported_version", f"仅支持 tus {TUS_VERSION} 协议。", head=method == "HEAD"
        )
        response["Tus-Version"] = TUS_VERSION
        return response
    return None


def _upload_headers(response: HttpResponse, upload: Upload) -> HttpResponse:
    response["Upload-Offset"] = str(uploads.current_offset(upload))
    if upload.state == Upload.State.RECEIVING:
        response["Upload-Expires"] = http_date(uploads.expires_at(upload).timestamp())
    if upload.state == Upload.State.FINISHED and upload.result:
        response["Upload-Result"] = json.dumps(upload.result, ensure_ascii=True, separators=(",", ":"))
    return response


def _location(request, upload: Upload) -> str:
    return request.build_absolute_uri(reverse("files:tus-upload", args=[upload.pk]))


@csrf_exempt  # see the module docstring: Django's CSRF check runs in _authenticate for session users
def tus_collection(request):
    """/files/tus/: OPTIONS (capabilities) and POST (creation, with the first bytes if sent)."""
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    if method != "POST":
        response = _error(405, "method_not_allowed", "不支持的请求方法。")
        response["Allow"] = "OPTIONS, POST"
        return response
    refused = _check_version(request, method)
    if refused:
        return refused
    user = _authenticate(request)
    if isinstance(user, HttpResponse):
        return user
    try:
        if "Upload-Defer-Length" in request.headers:
            raise _BadRequest(
                "不支持延迟声明上传长度（Upload-Defer-Length）。", code="defer_length_unsupported"
            )
        length = _int_header(request, "Upload-Length")
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = uploads.create_upload(user=user, length=length, metadata=metadata)
    except DomainError as exc:
        return _domain_error(exc)
    response = _empty(201, Location=_location(request, upload))
    body_length = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.content_type == OCTET_STREAM or length == 0:  # creation-with-upload (or nothing to wait for)
        try:
            uploads.receive(
                upload,
                request,
                offset=0,
                count=body_length if request.content_type == OCTET_STREAM else 0,
                user=user,
            )
        except DomainError as exc:
            response = _domain_error(exc)
            response["Location"] = _location(request, upload)
            return response
    return _upload_headers(response, upload)


@csrf_exempt  # see the module docstring
def tus_resource(request, upload_id):
    """/files/tus/<id>: HEAD (offset), PATCH (append), DELETE (termination), OPTIONS."""
    method = _method(request)
    if method == "OPTIONS":
        return _options()
    if method not in {"HEAD", "PATCH", "DELETE"}:
        response = _error(405, "method_not_allowed", "不支持的请求方法。")
        response["Allow"] = "OPTIONS, HEAD, PATCH, DELETE"
        return response
    head = method == "HEAD"
    refused = _check_version(request, method)
    if refused:
        return refused
    user = _authenticate(request)
    if isinstance(user, HttpResponse):
        return user
    try:
        upload = uploads.get_upload(user, upload_id, action={"HEAD": "view"}.get(method, "change"))
        if method == "HEAD":
            response = _empty(200, Upload_Length=upload.length)
            if upload.metadata:
                response["Upload-Metadata"] = encode_metadata(upload.metadata)
            return _upload_headers(response, upload)
        if method == "DELETE":
            uploads.terminate_upload(upload, user=user)
            return _empty(204)
        if request.content_type != OCTET_STREAM:
            return _error(415, "unsupported_media_type", f"PATCH 请求的 Content-Type 必须是 {OCTET_STREAM}。")
        offset = _int_header(request, "Upload-Offset")
        if not request.META.get("CONTENT_LENGTH"):
            return _error(411, "length_required", "PATCH 请求必须带 Content-Length（不支持分块传输编码）。")
        count = int(request.META["CONTENT_LENGTH"])
        upload = uploads.receive(upload, request, offset=offset, count=count, user=user)
    except DomainError as exc:
        return _domain_error(exc, head=head)
    return _upload_headers(_empty(204), upload)
