"""Portal throughput benchmark: public pages under concurrent load on loopback, against the same server answering
a static file.

Data: the standard test world (zhifa.core.testing.build_world), a few dozen extra officers with certificates (the
roster), and a few hundred 行政处罚/行政许可 decisions published through the publications app (create_publication,
then approve by the agency's reviewer), which redacts them, indexes them for search and logs them in the ledger as
in production. Everything goes into the benchmark's throw-away database.

Server: `zhifa runserver --noreload` (ZHIFA_DEBUG=0), what `make serve` and `make demo` run — the project ships no
other WSGI server — in its own process on a free 127.0.0.1 port, against the same database and ZHIFA_VAR_DIR
(after `collectstatic`, as `make demo` does). It sets TCP_NODELAY on its sockets (zhifa.core.apps): without it,
runserver's wsgiref handler writes the status line, headers and body in separate small send()s and, on a persistent
connection, Nagle's algorithm holds each response's tail until the client's delayed ACK (~40 ms on Linux): every
keep-alive response then took ≥ 40 ms whatever the page cost (measured: static file p50 44 ms with keep-alive, 2 ms
on a fresh connection). A connection per request instead is no way out: each request then runs in a new thread
with a new database connection, i.e. a new PostgreSQL backend per request (and 8 clients exhausted
max_connections=100 on a loaded machine). WhiteNoise serves the static files inside the same Django WSGI
application, so baseline and pages go through the same server, threads and socket code.

Load: CLIENTS client processes (forked before any measurement, no Django inside them), each with one persistent
HTTP/1.1 connection (http.client; runserver keeps it alive, one server thread and one database connection per
client connection), send GETs back to back for a fixed time per URL; requests that finish inside the window after
a short warm-up are counted. Every response must be 200 with a non-empty body (any error fails the benchmark, with
the server's last traceback); before the load each page is checked to show the data prepared for it.

Baseline: the same server, the same clients, GET /static/portal/portal.css (WhiteNoise: no database, no template,
no view). It is measured first and last; the higher of the two is the baseline (the ratios are then the lower
bound on a shared, noisy machine). Value and baseline are requests/s; the note has p50/p95 latency in ms, the
response size and the SQL statements the page runs (counted once with Django's test client, outside the timing).
"""

from __future__ import annotations

import datetime as dt
import http.client
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from benchmarks import Context, Result, bench

CLIENTS = 8
STATIC = "/static/portal/portal.css"
START_TIMEOUT = 60.0

# ------------------------------------------------------------------------------------------------------- data
# Synthetic decisions (no real people or companies).

PRODUCTS = ["食品", "散装食品", "乳制品", "保健食品", "冷冻食品", "预包装食品", "食用农产品", "化妆品", "白酒",
            "食用植物油", "婴幼儿配方食品", "糕点", "调味品", "瓶装饮用水", "食品添加剂"]  # fmt: skip
VIOLATIONS = [
    ("销售超过保质期的{p}", "《中华人民共和国食品安全法》第三十四条第十项", "《中华人民共和国食品安全法》第一百二十四条"),
    ("经营标签不符合规定的{p}", "《中华人民共和国食品安全法》第六十七条", "《中华人民共和国食品安全法》第一百二十五条"),
    ("未按规定查验{p}供货者许可证", "《中华人民共和国食品安全法》第五十三条", "《中华人民共和国食品安全法》第一百二十六条"),
    ("销售不合格{p}", "《中华人民共和国产品质量法》第三十九条", "《中华人民共和国产品质量法》第五十条"),
    ("未取得许可从事{p}经营", "《中华人民共和国食品安全法》第三十五条", "《中华人民共和国食品安全法》第一百二十二条"),
]  # fmt: skip
PARTIES = [
    "食品经营部",
    "超市有限公司",
    "商贸有限公司",
    "餐饮管理有限公司",
    "便利店",
    "农副产品批发部",
    "副食店",
]
PLACES = ["昌吉", "宁边", "延安北", "北京南", "建国西", "长宁", "乌伊", "亚心", "绿洲", "屯河"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国明华秀英丽娟志强海燕文军玉兰国庆桂芳"


def _officers(w, count: int, rng: random.Random) -> list[str]:
    """Extra officers with valid certificates, spread over the world's agencies: the public roster."""
    from django.utils import timezone

    from zhifa.registry import services

    today = timezone.localdate()
    homes = [(w.market, w.market_domain), (w.ecology, w.ecology_domain), (w.other_market, w.market_domain)]
    names = []
    for i in range(count):
        agency, domain = homes[i % len(homes)]
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        o = services.create_officer(user=w.admin, agency=agency, name=name, domains=[domain])
        services.issue_certificate(
            user=w.admin, officer=o, number=f"B{o.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
            valid_from=today - dt.timedelta(days=rng.randrange(30, 1000)),
            valid_until=today + dt.timedelta(days=rng.randrange(30, 1000)),
            qualification="exam", exam_passed_on=today - dt.timedelta(days=1200),
        )  # fmt: skip
        names.append(name)
    return names


def _publications(w, count: int, rng: random.Random) -> list[tuple[int, str]]:
    """Decisions of the market agency published through the publications app: (pk, title)."""
    from django.utils import timezone

    from zhifa.portal import services as publications

    today = timezone.localdate()
    out = []
    n = 0
    while len(out) < count:
        n += 1
        if n > 3 * count:
            raise AssertionError(f"the scope rules refused {n - len(out)} of {n} decisions")
        product = rng.choice(PRODUCTS)
        wrong, broken, basis = rng.choice(VIOLATIONS)
        title = wrong.format(p=product)
        party = rng.choice(PLACES) + rng.choice("东西南北中新") + rng.choice(PARTIES)
        licensing = n % 7 == 0
        if licensing:
            title = f"{product}经营许可"
        fine = str(rng.choice([2000, 5000, 10000, 30000, 50000, 100000]))
        facts = (
            f"经查，当事人于{today.year}年在其经营场所{title}，货值金额{rng.randrange(200, 20000)}元，"
            f"违法所得{rng.randrange(50, 5000)}元。上述行为违反了{broken}的规定。执法人员现场检查时，当事人负责人"
            f"{rng.choice(SURNAMES)}某在场，对检查结果无异议。当事人积极配合调查，主动停止违法行为。"
        )
        pub = publications.create_publication(
            w.officer, agency=w.market, source_type="manual",
            decided_on=today - dt.timedelta(days=rng.randrange(1, 300)),
            party_name=party, party_kind="organisation",
            **(
                {"category": "licensing", "title": title, "facts": f"准予{party}{product}经营许可。",
                 "licence": f"JY1652301{n:07d}", "basis": "《中华人民共和国食品安全法》第三十五条"}
                if licensing else
                {"category": "penalty", "title": title, "facts": facts, "basis": basis,
                 "penalty_kinds": ["warning", "fine"] if n % 3 else ["fine", "confiscation"],
                 "fine_amount": fine, "confiscation_amount": "800" if n % 3 == 0 else None,
                 "procedure": "ordinary"}
            ),
            document_number=f"昌市监{'许' if licensing else '罚'}〔{today.year}〕{n}号",
        )  # fmt: skip
        if pub is None:  # not published under the scope rules
            continue
        publications.approve(w.reviewer, pub)
        out.append((pub.pk, title))
    return out


def prepare(*, officers: int, publications: int) -> dict:
    from zhifa.core.testing import build_world

    rng = random.Random(5)
    w = build_world()
    names = _officers(w, officers, rng)
    pubs = _publications(w, publications, rng)
    return {"officers": [*names, w.market_officer.name], "publications": pubs}


# ----------------------------------------------------------------------------------------------------- server


# `zhifa runserver --noreload 127.0.0.1:PORT`, as shipped (TCP_NODELAY included, see the module docstring).
SERVE = """
import sys
import django
from django.core.management import call_command
from django.core.servers.basehttp import WSGIRequestHandler

django.setup()
assert WSGIRequestHandler.disable_nagle_algorithm, "zhifa.core.apps sets TCP_NODELAY for the dev server"
call_command("runserver", f"127.0.0.1:{sys.argv[1]}", use_reloader=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _start_server(scratch: Path) -> tuple[subprocess.Popen, int, Path]:
    """`zhifa runserver --noreload` on the benchmark's database and data directory, DEBUG off."""
    env = dict(os.environ)
    env.update(ZHIFA_DEBUG="0", ZHIFA_ALLOWED_HOSTS="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    port = _free_port()
    log_path = scratch / "portal-server.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if _get(port, STATIC)[0] == 200:
                return proc, port, log_path
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop(proc)
            raise RuntimeError(f"the server did not answer within {START_TIMEOUT}s")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# ------------------------------------------------------------------------------------------------------- load


@dataclass
class Stats:
    path: str
    rate: float  # requests/s, all clients together
    p50: float  # ms
    p95: float  # ms
    size: int  # bytes of the largest body


def _client(job) -> tuple[int, list[float], list[str], int]:
    """One client: GETs back to back on one persistent connection (a new connection each without `keepalive`);
    requests ending in [start, end) are counted."""
    port, path, start, end, keepalive = job
    headers = {} if keepalive else {"Connection": "close"}
    conn = None
    count, latencies, errors, size = 0, [], [], 0
    while True:
        t0 = time.time()
        if t0 >= end:
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            t1 = time.time()
            if r.status != 200 or not body:
                errors.append(f"{r.status} ({len(body)} B)")
            size = max(size, len(body))
            if r.will_close or not keepalive:  # runserver omits "Connection: close" in its answer
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            t1 = time.time()
            errors.append(f"{exc.__class__.__name__}: {exc}")
            if conn is not None:
                conn.close()
            conn = None
        if start <= t1 < end:
            count += 1
            latencies.append(t1 - t0)
    if conn is not None:
        conn.close()
    return count, latencies, errors[:5] + ([f"… {len(errors)} errors"] if len(errors) > 5 else []), size


def _load(pool, port: int, path: str, seconds: float, warmup: float, *, keepalive: bool = True) -> Stats:
    start = time.time() + warmup
    end = start + seconds
    results = pool.map(_client, [(port, path, start, end, keepalive)] * CLIENTS)
    errors = [e for _, _, errs, _ in results for e in errs]
    if errors:
        raise AssertionError(f"GET {path}: {errors[:10]}")
    latencies = sorted(x for _, lat, _, _ in results for x in lat)
    if not latencies:
        raise AssertionError(f"GET {path}: no request completed in {seconds}s")
    return Stats(
        path=path,
        rate=sum(c for c, *_ in results) / seconds,
        p50=statistics.median(latencies) * 1000,
        p95=latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        size=max(s for *_, s in results),
    )


def _queries(pages) -> dict[str, int]:
    """SQL statements per page (Django's test client in this process, outside the timing): for the notes."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, out = Client(), {}
    for path in pages:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        out[path] = len(captured)
    return out


def _check_content(port: int, pages: dict[str, list[str]]) -> None:
    """Before the load: every page answers 200 and shows the data prepared for it."""
    for path, markers in pages.items():
        status, body = _get(port, path)
        text = body.decode("utf-8", "replace")
        assert status == 200, f"GET {path}: {status}"
        assert any(m in text for m in markers), (
            f"GET {path}: none of {markers[:3]!r}… in the page ({len(body)} B)"
        )


@bench("portal.throughput")
def portal_throughput(ctx: Context) -> list[Result]:
    from django.core.management import call_command
    from django.db import connections

    officers, count = (15, 60) if ctx.quick else (60, 300)
    seconds, warmup = (1.5, 0.5) if ctx.quick else (5.0, 1.0)
    started = time.perf_counter()
    data = prepare(officers=officers, publications=count)
    call_command("collectstatic", interactive=False, verbosity=0)
    prepared = time.perf_counter() - started
    pk, title = data["publications"][len(data["publications"]) // 2]
    pages = {  # path -> strings of which the page must show one
        "/": ["昌吉市"],
        "/decisions/": [data["publications"][-1][1]],
        f"/decisions/{pk}/": [title],
        f"/search/?q={quote('食品')}": ["<mark>食品</mark>"],
        "/officers/": data["officers"],
        "/feeds/decisions.atom": ["<entry>"],
    }
    queries = _queries(pages)
    connections.close_all()  # the server and the forked clients never share our sockets

    server, port, log_path = _start_server(ctx.scratch)
    context = multiprocessing.get_context("fork")
    try:
        _check_content(port, pages)
        with context.Pool(CLIENTS) as pool:
            first = _load(pool, port, STATIC, seconds, warmup)
            measured = [_load(pool, port, path, seconds, warmup) for path in pages]
            last = _load(pool, port, STATIC, seconds, warmup)
    except AssertionError as exc:
        log = log_path.read_text(errors="replace")
        at = log.rfind("Traceback")
        raise AssertionError(
            f"{exc}\nthe server's last error:\n{log[at : at + 6000] if at >= 0 else ''}"
        ) from None
    finally:
        _stop(server)
    base = max(first, last, key=lambda s: s.rate)
    results = []
    for i, s in enumerate(measured):
        note = (
            f"(p50 {s.p50:.1f} ms, p95 {s.p95:.1f} ms, {s.size:,} B, {queries[s.path]} SQL; "
            f"static p50 {base.p50:.1f} ms"
        )
        if i == 0:
            note += (
                f"; static first/last {first.rate:,.0f}/{last.rate:,.0f} req/s; {len(data['publications'])} "
                f"publications, {officers + 4} officers, prepared in {prepared:.0f} s; runserver + TCP_NODELAY, "
                f"{CLIENTS} keep-alive clients, {seconds:g} s per URL"
            )
        results.append(
            Result(f"portal GET {s.path}, {CLIENTS} clients", "req/s", s.rate,
                   f"static {STATIC.rsplit('/', 1)[-1]}, same server", base.rate, note=note + ")")
        )  # fmt: skip
    return results
