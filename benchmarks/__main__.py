"""Run every registered benchmark on SQLite (temporary file) and PostgreSQL (throw-away database), print a table.

    python -m benchmarks [--only NAME] [--quick] [--sqlite-only]

PostgreSQL is reached at $ZHIFA_BENCH_PG (default postgres://postgres@127.0.0.1:5432); it is skipped with a
message when unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_URL = os.environ.get("ZHIFA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def _child(target: str, only: str | None, quick: bool) -> None:
    """Inside the child: Django on the target database, migrate, run the benchmarks, print JSON results."""
    import django
    from django.core.management import call_command

    django.setup()
    import importlib

    import benchmarks

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    for module in benchmarks.MODULES:
        importlib.import_module(module)
    context = benchmarks.Context(
        vendor=connection.vendor, scratch=Path(os.environ["ZHIFA_VAR_DIR"]), quick=quick
    )
    out = []
    for item in benchmarks.BENCHES:
        if only and item.name != only:
            continue
        started = time.perf_counter()
        results = item.func(context)
        print(f"  [{target}] {item.name}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
        out.extend(r.as_dict() for r in results)
    print("RESULTS " + json.dumps(out))


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_URL + "/postgres", autocommit=True, connect_timeout=3)


def _run_target(target: str, only: str | None, quick: bool) -> list[dict] | str:
    scratch = tempfile.mkdtemp(prefix=f"zhifa-bench-{target}-")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhifa.settings",
        ZHIFA_VAR_DIR=scratch,
        ZHIFA_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
        ZHIFA_CHECKPOINT_EVERY=str(10**12),  # benchmarks checkpoint explicitly
    )
    dbname = None
    if target == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
    else:
        try:
            admin = _pg_admin()
        except Exception as exc:
            return f"PostgreSQL unreachable at {PG_URL} ({exc.__class__.__name__}); skipped"
        dbname = f"zhifa_bench_{os.getpid()}"
        with admin:
            admin.execute(f"DROP DATABASE IF EXISTS {dbname}")
            admin.execute(f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = f"{PG_URL}/{dbname}"
    try:
        args = [sys.executable, "-m", "benchmarks", "--child", target] + (["--only", only] if only else [])
        args += ["--quick"] if quick else []
        proc = subprocess.run(
            args, env=env, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
        )
        if proc.returncode != 0:
            return f"benchmark process failed (exit {proc.returncode})"
        line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULTS "))
        return json.loads(line[len("RESULTS ") :])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if dbname:
            with _pg_admin() as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--child")
    parser.add_argument("--only")
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.only, args.quick)
        return 0
    started = time.perf_counter()
    rows, notes, failed = [], [], False
    for target in ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]:
        print(f"running on {target} …", file=sys.stderr, flush=True)
        result = _run_target(target, args.only, args.quick)
        if isinstance(result, str):
            notes.append(f"{target}: {result}")
            failed = failed or "failed" in result
            continue
        rows.extend((target, r) for r in result)
    header = ("db", "measure", "value", "baseline", "ratio", "target", "")
    table = [header]
    for target, r in rows:
        applies = r["target_vendor"] in (None, target)
        ratio = r["value"] / r["baseline"] if r["baseline"] else 0
        goals, verdict = [], ""
        if applies and r["target"] is not None:
            goals.append(f"≥{r['target']}x")
        if applies and r.get("min_value") is not None:
            goals.append(f"≥{r['min_value']:,.0f}")
        if goals:
            met = (r["target"] is None or ratio >= r["target"]) and (
                r.get("min_value") is None or r["value"] >= r["min_value"]
            )
            verdict = "ok" if met else "MISSED"
        table.append(
            (
                target,
                r["name"],
                f"{_fmt(r['value'])} {r['unit']}",
                f"{_fmt(r['baseline'])} ({r['baseline_name']})",
                f"{ratio:.2f}x",
                " ".join(goals),
                verdict + (f" {r['note']}" if r["note"] else ""),
            )
        )
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for note in notes:
        print(f"note: {note}")
    print(f"total {time.perf_counter() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
