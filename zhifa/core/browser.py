"""Browser-test support shared by every app: a real zhifa server on a throw-away database, and headless Chromium.

Why not pytest-django's `live_server`: it serves the test database from a thread of the test process, so its tests
must be `transaction=True`, and Django's flush after each of them fails because the ledger tables refuse DELETE
(append-only triggers). Playwright's sync API also keeps an asyncio loop running in the test thread, which makes
Django refuse ORM calls from that thread (SynchronousOnlyOperation). So the server here is a separate process:

- `zhifa_server` (session scope) makes a temporary ZHIFA_VAR_DIR with its own SQLite file (WAL), media, keys and
  secret key, runs `zhifa migrate` there (which seeds the statutes), builds the standard test world
  (zhifa.core.testing.build_world: agencies, one user per role, password PASSWORD) and starts
  `zhifa runserver --noreload` on a free 127.0.0.1 port. Nothing is flushed: the directory is deleted afterwards.
  The server database is SQLite whatever DATABASE_URL the test run uses: these tests check the browser flow, not the
  database vendor (the service and API tests cover PostgreSQL), and a private file needs no create/drop rights and
  cannot collide with concurrent runs.
- A test module may set `BROWSER_SETUP = ("package.module:function", ...)`: those functions run once in the same
  process, after the world is built, and their JSON results are in `server.setup["package.module:function"]`.
- `server.call("package.module:function", **kwargs)` runs a function inside the server's environment (a separate
  Python process with Django set up against the server's database) and returns its JSON result: use it to prepare
  extra data for a module and to read facts (ledger events, rows) back for assertions. The test process itself
  never opens the server's database.
- `browser` (module scope) launches Debian's /usr/bin/chromium headless with the flags that work offline here;
  `new_context(...)` (function scope) opens an isolated context (its own cookies, i.e. its own login) whose pages
  are watched: console errors, uncaught page errors and any request to a host other than the server are recorded
  (and such requests aborted) so that a test can `watch.assert_clean()`.
- `login(context, server, username)` signs in through the console's login form and returns the page.

Tests that use these fixtures are marked `browser` automatically (`pytest -m "not browser"` skips them).
Load the fixtures with `pytest_plugins = ["zhifa.core.browser"]` (root conftest.py or the test module).
Playwright's own browser download is never used (no network): install the `playwright` Python package and
Debian's `chromium`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("ZHIFA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Pass-1234!"  # the password build_world gives every user
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT = 60.0


# ----------------------------------------------------------------------------------------------------------------
# The server process


def server_env(var_dir: Path) -> dict[str, str]:
    """The environment of the server and of `call`: our own data directory and SQLite file, tasks run inline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIFA_") and k != "DATABASE_URL"}
    env.update(
        ZHIFA_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'zhifa.sqlite3'}",
        ZHIFA_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        ZHIFA_DEBUG="0",
        ZHIFA_ALLOWED_HOSTS="127.0.0.1,localhost",
        ZHIFA_UPLOAD_CHUNK_SIZE=str(1 << 20),  # 1 MiB: uploads of a few MB report progress several times
        DJANGO_SETTINGS_MODULE="zhifa.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ZhifaServer:
    url: str
    var_dir: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    setup: dict[str, Any] = field(default_factory=dict)  # setup target -> its JSON result
    users: dict[str, str] = field(default_factory=dict)  # build_world role -> username

    def call(self, target: str, /, **kwargs) -> Any:
        """Run `module:function(**kwargs)` in a fresh process on the server's database; return its JSON result."""
        return run_in_env(self.env, target, kwargs, cwd=self.var_dir)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _run(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "zhifa.core.browser", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:2])} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def run_in_env(env: dict[str, str], target: str, kwargs: dict | None = None, *, cwd: Path) -> Any:
    out = Path(cwd) / f"call-{os.getpid()}-{time.monotonic_ns()}.json"
    try:
        _run(env, "call", str(out), target, json.dumps(kwargs or {}), cwd=cwd)
        return json.loads(out.read_text() or "null")
    finally:
        out.unlink(missing_ok=True)


def start_server(
    base_dir: Path, *, setup: tuple[str, ...] = ("zhifa.core.browser:setup_world",)
) -> ZhifaServer:
    """Migrate a fresh database under base_dir and run the `setup` functions there (one process), then start the
    server and wait until it answers. Each setup's JSON result is in server.setup[target]."""
    var_dir = Path(base_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(var_dir)
    out = var_dir / "setup.json"
    _run(env, "prepare", str(out), *dict.fromkeys(setup), cwd=var_dir)
    results = json.loads(out.read_text())
    port = _free_port()
    server = ZhifaServer(
        url=f"http://127.0.0.1:{port}",
        var_dir=var_dir,
        env=env,
        log_path=var_dir / "server.log",
        setup=results,
        users=results.get("zhifa.core.browser:setup_world") or {},
    )
    log = server.log_path.open("ab")
    server.process = subprocess.Popen(
        [sys.executable, "-m", "zhifa.core.browser", "serve", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=var_dir,
    )
    log.close()
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the zhifa server exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/console/login/", timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(
                f"the zhifa server did not answer within {SERVER_START_TIMEOUT}s:\n{server.log()}"
            )
        time.sleep(0.1)


def setup_world() -> dict[str, str]:
    """Default server data: the shared test world. Returns role → username."""
    from zhifa.core.testing import build_world

    w = build_world()
    return {
        name: getattr(w, name).username
        for name in ("admin", "officer", "officer_b", "reviewer", "head", "supervisor", "machine")
    }


# ----------------------------------------------------------------------------------------------------------------
# The browser


@dataclass
class PageWatch:
    """What went wrong in the pages of one browser context."""

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.route("**/*", self._route)
        context.on("page", self._page)
        for page in context.pages:
            self._page(page)

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external_requests.append(url)
            route.abort()

    def _page(self, page) -> None:
        page.on(
            "console", lambda m: m.type == "error" and self.console_errors.append(f"{m.text} @ {page.url}")
        )
        page.on("pageerror", lambda e: self.page_errors.append(f"{e} @ {page.url}"))
        page.on(
            "response",
            lambda r: r.status >= 500 and self.failed_responses.append(f"{r.status} {r.url}"),
        )

    def assert_clean(self) -> None:
        problems = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "requests leaving 127.0.0.1": self.external_requests,
            "server errors": self.failed_responses,
        }
        bad = {k: v for k, v in problems.items() if v}
        assert not bad, f"browser problems: {bad}"


def login(context, server: ZhifaServer, username: str, password: str = PASSWORD):
    """Sign in through the console login form in `context`; returns the page (on the console home)."""
    page = context.new_page()
    page.goto(f"{server.url}/console/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/console/login/" not in page.url, f"login of {username} failed: {page.url}"
    return page


# ----------------------------------------------------------------------------------------------------------------
# Fixtures


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the console in headless Chromium against a zhifa server"
    )


BROWSER_FIXTURES = {"zhifa_server", "browser", "new_context"}
SETUP_KEY = pytest.StashKey[list]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Mark browser tests, and gather the BROWSER_SETUP functions their modules declare: the session's server
    runs them all once, in the process that migrates its database (server.setup[target] holds each result)."""
    setups = config.stash.setdefault(SETUP_KEY, [])
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            module = getattr(item, "module", None)
            for target in getattr(module, "BROWSER_SETUP", ()):
                if target not in setups:
                    setups.append(target)


@pytest.fixture(scope="session")
def zhifa_server(request):
    """The zhifa server of this test session (see the module docstring)."""
    base = Path(tempfile.mkdtemp(prefix="zhifa-browser-"))
    setup = ("zhifa.core.browser:setup_world", *request.config.stash.get(SETUP_KEY, []))
    try:
        server = start_server(base, setup=setup)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: while Playwright's sync API is started, an asyncio loop runs in this thread and
    # Django refuses ORM calls here, which would break ordinary database tests that run after this module.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture
def new_context(browser, zhifa_server):
    """new_context(viewport=PHONE) -> (context, watch): an isolated, watched browser context (own cookies)."""
    opened = []

    def make(*, viewport: dict | None = None, **kwargs):
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs
        )
        context.set_default_timeout(15_000)
        watch = PageWatch(zhifa_server.url)
        watch.attach(context)
        opened.append(context)
        return context, watch

    yield make
    for context in opened:
        context.close()


# ----------------------------------------------------------------------------------------------------------------
# The processes behind the fixtures: `python -m zhifa.core.browser prepare OUT TARGET... | serve PORT |
# call OUT TARGET KWARGS_JSON`, all in the server's environment (server_env).


def _django() -> None:
    import django
    from django.conf import settings

    django.setup()
    # As in every test (root conftest.py): PBKDF2's deliberate slowness protects real accounts; here it only costs
    # time, once per user created and once per login. The server and the setup both use this hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _target(target: str):
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def _main(argv: list[str]) -> None:
    command, rest = argv[0], argv[1:]
    _django()
    if command == "serve":
        from django.core.management import call_command

        call_command("runserver", f"127.0.0.1:{rest[0]}", use_reloader=False)
    elif command == "prepare":
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        results = {target: _target(target)() for target in rest[1:]}
        Path(rest[0]).write_text(json.dumps(results, default=str, ensure_ascii=False))
    elif command == "call":
        result = _target(rest[1])(**json.loads(rest[2]))
        Path(rest[0]).write_text(json.dumps(result, default=str, ensure_ascii=False))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    _main(sys.argv[1:])
