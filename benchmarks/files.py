"""File ingest benchmarks: streaming a 2 GB file into the content-addressed store, against its physical limit.

The limit is measured in the same run on the same file: the slower of `cp` of the file (followed by an fsync of
the copy, as the store syncs what it stores) and a bare `openssl dgst -sm3` of it. An ingest has to do both (write
the bytes and hash them with SM3; SHA-256 runs beside it), so ≥ 0.7x that limit is the target.

Two paths, each in a child process so that its peak memory (VmHWM) is its own:
- store: `files.services.store_stream` over the file read in 1 MiB chunks;
- tus: one PATCH of the whole file through the real WSGI stack (Django's WSGIHandler, session + CSRF, the tus
  view, `uploads.receive` reading `wsgi.input` in chunks, completion with a purpose handler).
Run at 200 MB and 2 GB: the peak memory of the two runs must be the same (flat), whatever the size. The tus child
also times rebuilding the digest of the whole file from disk (what a resume after a restart costs).

    python -m benchmarks --only files.ingest [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import Context, Result, bench

MB = 1_000_000
BLOCK = 16 << 20


def _make_file(path: Path, size: int) -> None:
    """Random-looking content (a random block, stamped with its position), written for real (not sparse)."""
    block = bytearray(os.urandom(BLOCK))
    with open(path, "wb") as f:
        written = 0
        n = 0
        while written < size:
            block[:8] = n.to_bytes(8, "little")
            part = block[: min(BLOCK, size - written)]
            f.write(part)
            written += len(part)
            n += 1


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _cp_seconds(src: Path, scratch: Path) -> float:
    dst = scratch / "cp-copy.bin"
    started = time.perf_counter()
    subprocess.run(["cp", str(src), str(dst)], check=True)
    with open(dst, "rb") as f:
        os.fsync(f.fileno())
    seconds = time.perf_counter() - started
    dst.unlink()
    return seconds


def _child(mode: str, path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.files", mode, str(path)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("INGEST "))
    return json.loads(line[len("INGEST ") :])


@bench("files.ingest")
def ingest(ctx: Context) -> list[Result]:
    sizes = [50 * MB, 200 * MB] if ctx.quick else [200 * MB, 2000 * MB]
    results: list[Result] = []
    peaks: dict[str, dict[int, float]] = {"store": {}, "tus": {}}
    for size in sizes:
        src = ctx.scratch / f"ingest-{size}.bin"
        _make_file(src, size)
        try:
            cp = size / MB / _cp_seconds(src, ctx.scratch)
            sm3 = size / MB / _timed(["openssl", "dgst", "-sm3", str(src)])
            limit = min(cp, sm3)
            limit_name = f"{'cp+fsync' if cp < sm3 else 'openssl sm3'} (cp {cp:,.0f}, sm3 {sm3:,.0f} MB/s)"
            for mode in ("store", "tus"):
                out = _child(mode, src)
                rate = size / MB / out["seconds"]
                peaks[mode][size] = out["hwm_mb"]
                note = f"peak RSS {out['hwm_mb']:.0f} MB"
                if "rehash_seconds" in out:
                    note += f"; resume re-hash {size / MB / out['rehash_seconds']:,.0f} MB/s"
                results.append(
                    Result(
                        name=f"ingest {size // MB} MB via {mode} (SM3+SHA-256)",
                        unit="MB/s",
                        value=rate,
                        baseline_name=limit_name,
                        baseline=limit,
                        target=0.7,
                        note=note,
                    )
                )
        finally:
            src.unlink(missing_ok=True)
    small, large = sizes
    for mode in ("store", "tus"):
        results.append(
            Result(
                name=f"peak RSS flat via {mode} ({small // MB} MB run / {large // MB} MB run)",
                unit="MB",
                value=peaks[mode][small],
                baseline_name=f"{peaks[mode][large]:.0f} MB at {large // MB} MB",
                baseline=peaks[mode][large],
                target=0.9,
            )
        )
    return results


# --- inside a child process ------------------------------------------------------------------------------------


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ingest_store(path: Path) -> dict:
    from zhifa.files import services

    def chunks():
        with open(path, "rb") as f:
            while chunk := f.read(services.CHUNK):
                yield chunk

    started = time.perf_counter()
    blob = services.store_stream(chunks())
    seconds = time.perf_counter() - started
    assert blob.size == path.stat().st_size
    services.blob_path(blob).unlink()
    blob.delete()
    return {"seconds": seconds}


def _ingest_tus(path: Path) -> dict:
    import base64
    import uuid

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.handlers.wsgi import WSGIHandler

    from zhifa.files import services, uploads
    from zhifa.files.models import Blob
    from zhifa.registry.models import User

    uploads.register_completion_handler("bench.ingest", lambda upload, blob, user: {"blob": blob.pk})
    user = User.objects.create_user(username=f"bench_{uuid.uuid4().hex[:8]}", password=None, role="officer")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = "Zhifa0CsrfSecret0123456789abcdef"
    handler = WSGIHandler()
    size = path.stat().st_size

    def call(method, url, headers, body=None, length=0):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": url,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": body,
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(length),
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={csrf}",
            "HTTP_X_CSRFTOKEN": csrf,
            "HTTP_TUS_RESUMABLE": "1.0.0",
        }
        environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
        if "HTTP_CONTENT_TYPE" in environ:
            environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
        status = []
        response = handler(environ, lambda s, h, exc_info=None: status.append((s, dict(h))))
        b"".join(response)
        response.close()
        return int(status[0][0].split()[0]), status[0][1]

    import io
    from urllib.parse import urlsplit

    meta = "purpose " + base64.b64encode(b"bench.ingest").decode()
    code, headers = call(
        "POST", "/files/tus/", {"Upload-Length": str(size), "Upload-Metadata": meta}, io.BytesIO()
    )
    assert code == 201, code
    location = urlsplit(headers["Location"]).path
    with open(path, "rb") as body:
        started = time.perf_counter()
        code, headers = call(
            "PATCH",
            location,
            {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            body,
            size,
        )
        seconds = time.perf_counter() - started
    assert code == 204, (code, headers)
    blob = Blob.objects.get(uploads__id=location.rsplit("/", 1)[-1])
    # what a resume after a restart costs: rebuilding both digests from the bytes on disk
    with open(services.blob_path(blob), "rb") as f:
        started = time.perf_counter()
        uploads._rehash(f, size)
        rehash = time.perf_counter() - started
    services.blob_path(blob).unlink()
    return {"seconds": seconds, "rehash_seconds": rehash}


def _child_main(mode: str, path: str) -> None:
    import django

    django.setup()
    out = {"store": _ingest_store, "tus": _ingest_tus}[mode](Path(path))
    out["hwm_mb"] = _vm_hwm_mb()
    print("INGEST " + json.dumps(out), flush=True)


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2])
