"""Killing the server in the middle of an upload, and in the middle of its completion, leaves no half-registered
evidence; the client resumes with HEAD + PATCH and the final digests match the source file.

A real dev server (manage.py runserver --noreload) in a subprocess, on a file-based SQLite database made for it,
a raw HTTP client (http.client), and SIGKILL.
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIZE = 24 << 20
PURPOSE = "test.evidence"
CSRF = "Zhifa0CsrfSecret0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict):
        self.env = env
        self.proc = None
        self.port = None

    def start(self):
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self):
        self.proc.kill()  # SIGKILL: no cleanup of any kind
        self.proc.wait(10)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


def _manage(env, *args, stdin: str | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from zhifa.registry.models import User
user = User.objects.create_user(username="officer_k", password="Pass-1234!", role="officer")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION", session.session_key)
"""


def _headers(session: str, **extra) -> dict:
    return {
        "Tus-Resumable": "1.0.0",
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
        **extra,
    }


def _db(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def test_kill_mid_upload_and_mid_completion_then_resume(tmp_path):
    # given a dev server on its own file database, with a user and a session
    var = tmp_path / "var"
    db_path = tmp_path / "server.sqlite3"
    marker = tmp_path / "crash-in-completion"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhifa.files.tests.server_settings",
        ZHIFA_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{db_path}",
        ZHIFA_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
        ZHIFA_TEST_CRASH_MARKER=str(marker),
        PYTHONUNBUFFERED="1",
    )
    _manage(env, "migrate", "--noinput", "-v", "0")
    session = next(
        line.split()[1]
        for line in _manage(env, "shell", stdin=SETUP).splitlines()
        if line.startswith("SESSION")
    )
    source = tmp_path / "bodycam.mp4"
    source.write_bytes(os.urandom(SIZE))
    data = source.read_bytes()
    server = Server(env)
    server.start()
    try:
        # when the client creates an upload and streams half of it in a PATCH announcing everything
        conn = server.connect()
        metadata = "purpose " + base64.b64encode(PURPOSE.encode()).decode()
        conn.request(
            "POST",
            "/files/tus/",
            headers=_headers(session, **{"Upload-Length": str(SIZE), "Upload-Metadata": metadata}),
        )
        created = conn.getresponse()
        created.read()
        assert created.status == 201, created.status
        location = created.getheader("Location")
        path = location.split(str(server.port), 1)[1]
        conn.putrequest("PATCH", path)
        for name, value in _headers(
            session,
            **{
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(SIZE),
            },
        ).items():
            conn.putheader(name, value)
        conn.endheaders()
        sent = 0
        half = SIZE // 2
        while sent < half:
            conn.send(data[sent : sent + 65536])
            sent += 65536
        # and the server has synced some of it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with _db(db_path) as db:
                synced = db.execute("SELECT MAX(offset) FROM files_upload").fetchone()[0] or 0
            if synced >= 4 << 20:
                break
            time.sleep(0.05)
        # and then the server is killed
        server.kill()
        conn.close()
        with _db(db_path) as db:
            assert db.execute("SELECT COUNT(*) FROM files_blob").fetchone()[0] == 0
        server.start()
        # then HEAD tells how much survived, and the client sends the rest
        conn = server.connect()
        conn.request("HEAD", path, headers=_headers(session))
        head = conn.getresponse()
        head.read()
        assert head.status == 200
        offset = int(head.getheader("Upload-Offset"))
        assert 4 << 20 <= offset <= half, (offset, half)
        assert int(head.getheader("Upload-Length")) == SIZE
        # ... and the server is killed again, this time inside the completion transaction
        marker.write_text("crash once")
        conn.request(
            "PATCH",
            path,
            body=data[offset:],
            headers=_headers(
                session, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
            ),
        )
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        server.proc.wait(30)
        assert not marker.exists()  # the handler did run, and crashed the server
        # then nothing was half-registered: no blob row, no evidence event, the upload is not finished
        with _db(db_path) as db:
            assert db.execute("SELECT COUNT(*) FROM files_blob").fetchone()[0] == 0
            assert (
                db.execute(
                    "SELECT COUNT(*) FROM ledger_event WHERE event_type IN "
                    "('test.evidence_registered', 'files.upload_finished')"
                ).fetchone()[0]
                == 0
            )
            assert db.execute("SELECT state, offset FROM files_upload").fetchone() == ("receiving", SIZE)
        # when the server is back and the client resumes: every byte is there, it finishes the completion
        server.start()
        conn = server.connect()
        conn.request("HEAD", path, headers=_headers(session))
        head = conn.getresponse()
        head.read()
        assert int(head.getheader("Upload-Offset")) == SIZE
        conn.request(
            "PATCH",
            path,
            body=b"",
            headers=_headers(
                session, **{"Upload-Offset": str(SIZE), "Content-Type": "application/offset+octet-stream"}
            ),
        )
        done = conn.getresponse()
        done.read()
        assert done.status == 204, done.status
        assert done.getheader("Upload-Offset") == str(SIZE)
        assert "blob" in json.loads(done.getheader("Upload-Result"))
        # then the stored file's digests are those of the source, registered exactly once
        with _db(db_path) as db:
            sm3, sha256, size, key = db.execute(
                "SELECT sm3, sha256, size, storage_key FROM files_blob"
            ).fetchone()
            assert (
                db.execute(
                    "SELECT COUNT(*) FROM ledger_event WHERE event_type = 'test.evidence_registered'"
                ).fetchone()[0]
                == 1
            )
            assert db.execute("SELECT state FROM files_upload").fetchone() == ("finished",)
        assert sm3 == hashlib.new("sm3", data).hexdigest()
        assert sha256 == hashlib.sha256(data).hexdigest()
        assert size == SIZE
        assert hashlib.sha256((var / "media" / key).read_bytes()).hexdigest() == sha256
    finally:
        if server.proc and server.proc.poll() is None:
            server.kill()
