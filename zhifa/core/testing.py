"""Test helpers shared by every app: a small jurisdiction tree with two agencies and a user per role.

Built through the registry services, as the platform itself would (no mocks, real database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from zhifa.core.roles import Role
from zhifa.registry import services
from zhifa.registry.models import Agency, EnforcementDomain, Jurisdiction, Officer, User
from zhifa.registry.validators import uscc_check_char


def make_uscc(n: int) -> str:
    body = f"11652301{n:09d}"
    return body + uscc_check_char(body)


@dataclass
class World:
    province: Jurisdiction
    prefecture: Jurisdiction
    city: Jurisdiction
    other_county: Jurisdiction
    market_domain: EnforcementDomain
    ecology_domain: EnforcementDomain
    market: Agency  # 昌吉市市场监督管理局
    ecology: Agency  # 昌吉市 ecology branch
    other_market: Agency  # a market agency in another county
    justice: Agency  # 昌吉市司法局
    admin: User
    officer: User  # market officer (linked to an Officer with a valid certificate)
    officer_b: User  # ecology officer
    reviewer: User  # market legal reviewer
    head: User  # market head
    supervisor: User  # 昌吉市司法局 supervisor (city subtree)
    machine: User  # upper-level platform (prefecture subtree)
    market_officer: Officer
    ecology_officer: Officer


def build_world() -> World:
    today = timezone.localdate()
    admin = services.create_user(
        username="t_admin", password="Pass-1234!", role=Role.ADMIN, display_name="管理员"
    )
    province = services.create_jurisdiction("65", "新疆维吾尔自治区", 1, user=admin)
    prefecture = services.create_jurisdiction("6523", "昌吉回族自治州", 2, province, user=admin)
    city = services.create_jurisdiction("652301", "昌吉市", 3, prefecture, user=admin)
    other = services.create_jurisdiction("652302", "阜康市", 3, prefecture, user=admin)
    market_d = EnforcementDomain.objects.create(code="market", name="市场监管")
    eco_d = EnforcementDomain.objects.create(code="ecology", name="生态环境")
    justice_d = EnforcementDomain.objects.create(code="justice", name="司法行政")

    def agency(n, name, short, jurisdiction, domain, **extra):
        return services.create_agency(
            user=admin,
            name=name,
            short_name=short,
            uscc=make_uscc(n),
            jurisdiction=jurisdiction,
            domains=[domain],
            **extra,
        )

    market = agency(1, "昌吉市市场监督管理局", "昌市监", city, market_d, sector="market")
    ecology = agency(2, "昌吉州生态环境局昌吉市分局", "昌环", city, eco_d, sector="ecology")
    other_market = agency(3, "阜康市市场监督管理局", "阜市监", other, market_d, sector="market")
    justice = agency(4, "昌吉市司法局", "昌司", city, justice_d, is_justice_bureau=True)

    def officer(agency, name, domain, *, qualified=False):
        o = services.create_officer(
            user=admin, agency=agency, name=name, domains=[domain], legal_qualification=qualified
        )
        services.issue_certificate(
            user=admin,
            officer=o,
            number=f"T{o.pk:06d}",
            domains=[domain],
            issuer="新疆维吾尔自治区人民政府",
            valid_from=today - dt.timedelta(days=365),
            valid_until=today + dt.timedelta(days=700),
            qualification="exempt" if qualified else "exam",
            exam_passed_on=None if qualified else today - dt.timedelta(days=400),
        )
        return o

    mo = officer(market, "甲执法", market_d)
    mo2 = officer(market, "乙审核", market_d, qualified=True)
    mo3 = officer(market, "丙负责", market_d)
    eo = officer(ecology, "丁执法", eco_d)

    def user(username, role, **kw):
        return services.create_user(username=username, password="Pass-1234!", role=role, user=admin, **kw)

    return World(
        province=province,
        prefecture=prefecture,
        city=city,
        other_county=other,
        market_domain=market_d,
        ecology_domain=eco_d,
        market=market,
        ecology=ecology,
        other_market=other_market,
        justice=justice,
        admin=admin,
        officer=user("t_officer", Role.OFFICER, agency=market, officer=mo, display_name=mo.name),
        officer_b=user("t_officer_b", Role.OFFICER, agency=ecology, officer=eo, display_name=eo.name),
        reviewer=user("t_reviewer", Role.REVIEWER, agency=market, officer=mo2, display_name=mo2.name),
        head=user("t_head", Role.HEAD, agency=market, officer=mo3, display_name=mo3.name),
        supervisor=user("t_supervisor", Role.SUPERVISOR, agency=justice, display_name="监督科"),
        machine=user("t_machine", Role.MACHINE, jurisdiction=prefecture, display_name="上级平台"),
        market_officer=mo,
        ecology_officer=eo,
    )


def run_on_scratch_database(module: str, tmp_path, *, timeout: int = 600, **env_extra: str):
    """Run `python -m module` in a child process against a throw-away database of the test run's vendor (a SQLite
    file in tmp_path; on PostgreSQL a fresh database on the same server, created and dropped here) and return the
    CompletedProcess. For checks whose threads must commit for real: committed rows of the append-only ledger
    cannot be removed from the test database afterwards, so `transaction=True` tests are impossible."""
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from django.db import connection

    def run(database_url: str):
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="zhifa.settings",
            DATABASE_URL=database_url,
            ZHIFA_VAR_DIR=str(tmp_path / "var"),
            ZHIFA_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
            **env_extra,
        )
        root = Path(__file__).resolve().parents[2]
        return subprocess.run(
            [sys.executable, "-m", module], env=env, cwd=root, capture_output=True, text=True, timeout=timeout
        )

    if connection.vendor == "sqlite":
        return run(f"sqlite:///{tmp_path / 'scratch.sqlite3'}")
    import psycopg

    s = connection.settings_dict
    name = f"zhifa_scratch_{uuid.uuid4().hex[:12]}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    server = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        return run(f"{server}/{name}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
