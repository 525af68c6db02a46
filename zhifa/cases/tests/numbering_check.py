"""案号 and 文号 under real concurrency: threads with their own database connections, committing for real.

Run by test_numbering_concurrency.py in a child process on a throw-away database of the test run's vendor
(committed rows of the append-only ledger can never be removed from the test database):

    DATABASE_URL=... python -m zhifa.cases.tests.numbering_check

The world is built through the real services (zhifa.core.testing.build_world, then cases up to 立案审批), then the
threads race, all released at once by a barrier:

1. 立案 (approve_filing) of PER_AGENCY cases of each of two agencies at once, the agencies' first cases of the
   year (so the CaseNumberCounter rows are created inside the race). Some threads roll their transaction back
   after the number was taken (the caller's transaction fails after the step: a number taken and released).
   Each agency's committed cases must carry the numbers 1..K exactly (K = committed cases), every number once,
   formatted 昌市监立〔YYYY〕n号, and the counter must stand at K.
2. 文号: PER_KIND 决定书 (行政处罚决定书, 罚) and PER_KIND 告知书 of one agency issued at once, again some rolled back
   after numbering; a first round is the first of their kind and year (the DocumentNumberSequence rows are created
   in the race), a second round races on the existing rows. Each kind's committed documents must be numbered
   1..K, and the sequence's next number must be K+1.

Known limit: every case transition locks the case row with select_related("agency", "domain"), and PostgreSQL's
FOR UPDATE then locks the agency row as well, so filings of one agency are already serialised before the
CaseNumberCounter is read; the 案号 race checks the outcome, but cannot tell whether the counter's own lock works.
The 文号 race has no such outer lock (an unlocked sequence makes it fail with duplicate numbers).

Exits 0 and prints "OK ..." when every check holds; an AssertionError (exit 1) otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import threading
import time

# SQLite writers queue for the whole database (BEGIN IMMEDIATE, 30 s busy timeout) and a filing holds the write
# lock while its 立案审批表 is rendered and signed (~1.5 s here): fewer threads there, so that none times out.
PER_AGENCY = {"sqlite": 4, "postgresql": 8}  # filings raced per agency (two agencies race at once)
PER_KIND = {"sqlite": 3, "postgresql": 5}  # documents raced per kind and round (two kinds race at once)
ROLLED_BACK = {1, 3}  # thread indexes whose transaction is rolled back after the number was taken
TIMEOUT = 120


class Abort(Exception):
    """Raised by a racing thread after its step, so that its transaction rolls back."""


def race(jobs: list) -> tuple[list, float]:
    """Run each job (a callable) in its own thread, all released together; returns (results, seconds).

    Each thread uses its own database connection (Django's connections are per thread) and closes it at the end.
    An exception of a job other than Abort fails the run.
    """
    from django.db import connection

    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i, job):
        try:
            barrier.wait(TIMEOUT)
            results[i] = job()
        except Abort as exc:
            results[i] = exc
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a racing thread hung (deadlock?)"
    if errors:
        raise AssertionError(f"{len(errors)} racing thread(s) failed: {errors!r}") from errors[0]
    return results, time.monotonic() - started


def crew(world, agency, domain, tag: str) -> dict:
    """Two certified officers of `agency`, an officer account and the head's account, through the services."""
    from django.utils import timezone

    from zhifa.core.roles import Role
    from zhifa.registry import services as registry

    today = timezone.localdate()
    officers = []
    for k in (1, 2):
        o = registry.create_officer(user=world.admin, agency=agency, name=f"{tag}执法{k}", domains=[domain])
        registry.issue_certificate(
            user=world.admin, officer=o, number=f"N{o.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
            valid_from=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=700),
            qualification="exam", exam_passed_on=today - dt.timedelta(days=200),
        )  # fmt: skip
        officers.append(o)
    officer = registry.create_user(
        username=f"n_{tag}_officer", password="Pass-1234!", role=Role.OFFICER, user=world.admin, agency=agency,
        officer=officers[0], display_name=officers[0].name,
    )  # fmt: skip
    head = registry.create_user(
        username=f"n_{tag}_head", password="Pass-1234!", role=Role.HEAD, user=world.admin, agency=agency,
        display_name=f"{tag}负责人",
    )  # fmt: skip
    return {"agency": agency, "domain": domain, "officers": officers, "officer": officer, "head": head}


def cases_awaiting_filing(c: dict, n: int, party_seed: int) -> list:
    """`n` cases of the crew's agency in 立案审批 (two officers assigned), through the case services."""
    from django.utils import timezone

    from zhifa.cases import services
    from zhifa.cases.models import CaseOfficer, SourceType
    from zhifa.core.testing import make_uscc

    party = services.register_party(
        c["officer"], kind="organisation", name=f"并发测试{party_seed}有限公司", uscc=make_uscc(party_seed),
        address="昌吉市北京南路1号",
    )  # fmt: skip
    out = []
    for i in range(n):
        case = services.create_case(
            c["officer"], title=f"并发立案{i}", source_type=SourceType.INSPECTION, source_description="日常检查发现",
            source_received_on=timezone.localdate() - dt.timedelta(days=3), domain=c["domain"], parties=[party],
        )  # fmt: skip
        services.assign_officer(c["officer"], case, c["officers"][0], CaseOfficer.Role.LEAD)
        services.assign_officer(c["officer"], case, c["officers"][1], CaseOfficer.Role.ASSIST)
        services.transition(c["officer"], case, "start_verification")
        services.transition(c["officer"], case, "request_filing", opinion="涉嫌违法，建议立案")
        out.append(case)
    return out


def file_case(head, case, rollback: bool):
    from django.db import transaction
    from django.utils import timezone

    from zhifa.cases import services

    def job():
        with transaction.atomic():
            filed = services.transition(head, case, "approve_filing", filed_on=timezone.localdate())
            if rollback:
                raise Abort(
                    filed.number
                )  # the number was taken; the caller's transaction fails after the step
        return filed.number

    return job


def check_case_numbers(c: dict, cases: list, results: list) -> int:
    from django.utils import timezone

    from zhifa.cases.models import Case, CaseNumberCounter
    from zhifa.ledger.models import Event

    year = timezone.localdate().year
    agency = c["agency"]
    committed = [r for r in results if isinstance(r, str)]
    aborted = [r for r in results if isinstance(r, Abort)]
    assert len(committed) + len(aborted) == len(cases), results
    assert len(aborted) == len(ROLLED_BACK & set(range(len(cases)))), results
    rows = list(Case.objects.filter(pk__in=[x.pk for x in cases]).order_by("number_seq"))
    filed = [x for x in rows if x.number]
    k = len(committed)
    # every committed filing has its own number, the numbers are exactly 1..K: distinct and without gaps
    assert [x.number_seq for x in filed] == list(range(1, k + 1)), [(x.pk, x.number) for x in rows]
    assert sorted(committed) == sorted(x.number for x in filed), (committed, [x.number for x in filed])
    for x in filed:
        assert x.state == "investigating" and x.number_year == year, (x.pk, x.state, x.number_year)
        assert x.number == f"{agency.short_name}立〔{year}〕{x.number_seq}号", x.number
    # the rolled-back filings left nothing: no number, still awaiting approval
    for x in rows:
        if not x.number:
            assert x.state == "filing_review" and x.number_seq is None, (x.pk, x.state, x.number_seq)
    assert CaseNumberCounter.objects.get(agency=agency, year=year).last == k
    assert CaseNumberCounter.objects.filter(agency=agency).count() == 1
    # the ledger has one case.filed event per committed filing, carrying its number
    numbers = sorted(
        e.data["number"]
        for e in Event.objects.filter(event_type="case.filed", case_id__in=[x.pk for x in rows])
    )
    assert numbers == sorted(x.number for x in filed), numbers
    return k


def issue(user, agency, kind: str, rollback: bool):
    from django.db import transaction

    from zhifa.documents import kinds
    from zhifa.documents.services import issue_document

    context = kinds.sample_context(kind)

    def job():
        with transaction.atomic():
            doc = issue_document(user=user, agency=agency, kind=kind, context=context)
            if rollback:
                raise Abort(doc.number)
        return doc.number

    return job


def check_document_numbers(agency, kind: str, results: list) -> int:
    from django.utils import timezone

    from zhifa.documents.models import DocumentNumberSequence, IssuedDocument

    year = timezone.localdate().year
    committed = [r for r in results if isinstance(r, str)]
    assert len(committed) + sum(isinstance(r, Abort) for r in results) == len(results), results
    docs = list(IssuedDocument.objects.filter(agency=agency, kind__code=kind, year=year).order_by("sequence"))
    k = len(committed)
    assert [d.sequence for d in docs] == list(range(1, k + 1)), [(d.pk, d.number) for d in docs]
    assert sorted(committed) == sorted(d.number for d in docs), (committed, [d.number for d in docs])
    pattern = re.compile(rf"{re.escape(agency.short_name)}[^〔]*〔{year}〕(\d+)号")
    for d in docs:
        m = pattern.fullmatch(d.number)
        assert m and int(m.group(1)) == d.sequence, d.number
    seq = DocumentNumberSequence.objects.get(agency=agency, kind__code=kind, year=year)
    assert seq.next_number == k + 1, (seq.next_number, k)
    return k


def warm_up(*crews) -> None:
    """One unnumbered 文书 per agency before the race: the platform CA, the agencies' signing keys and the fonts
    are made and loaded once here rather than inside the first racing transaction (no 案号 or 文号 is taken)."""
    from zhifa.documents import kinds
    from zhifa.documents.services import issue_document

    for c in crews:
        doc = issue_document(user=c["head"], agency=c["agency"], kind="case_filing",
                             context=kinds.sample_context("case_filing"))  # fmt: skip
        assert doc.sequence is None and not doc.number, doc.number


def main() -> int:
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)

    from zhifa.core.testing import build_world
    from zhifa.documents import kinds
    from zhifa.ledger.verify import verify

    per_agency, per_kind = PER_AGENCY[connection.vendor], PER_KIND[connection.vendor]
    world = build_world()
    market = crew(world, world.market, world.market_domain, "甲")
    ecology = crew(world, world.ecology, world.ecology_domain, "乙")
    market_cases = cases_awaiting_filing(market, per_agency, 801)
    ecology_cases = cases_awaiting_filing(ecology, per_agency, 802)
    warm_up(market, ecology)
    connection.close()  # the racing threads open their own connections

    # 1. 立案 of two agencies' cases at once
    jobs = [file_case(market["head"], x, i in ROLLED_BACK) for i, x in enumerate(market_cases)]
    jobs += [file_case(ecology["head"], x, i in ROLLED_BACK) for i, x in enumerate(ecology_cases)]
    results, filing_seconds = race(jobs)
    filed = check_case_numbers(market, market_cases, results[:per_agency])
    filed += check_case_numbers(ecology, ecology_cases, results[per_agency:])

    # 2. 文号 of two numbered kinds of one agency at once: a first round creates the kinds' sequences for the year
    # while racing, a second round races on the existing sequences
    decision, notice = kinds.PENALTY_DECISION, "penalty_notice"
    officer = market["officer"]
    outcomes = {decision: [], notice: []}
    issuing_seconds = 0.0
    for _round in (1, 2):
        jobs = [issue(officer, world.market, decision, i in ROLLED_BACK) for i in range(per_kind)]
        jobs += [issue(officer, world.market, notice, i in ROLLED_BACK) for i in range(per_kind)]
        results, seconds = race(jobs)
        issuing_seconds += seconds
        outcomes[decision] += results[:per_kind]
        outcomes[notice] += results[per_kind:]
        issued = sum(check_document_numbers(world.market, k, r) for k, r in outcomes.items())

    report = verify(files=False)
    assert report.ok, report.first
    print(
        f"OK {connection.vendor}: {filed} cases filed concurrently in {filing_seconds:.1f}s, {issued} documents "
        f"issued concurrently in {issuing_seconds:.1f}s, numbers distinct and gapless; {report.events} events verified"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
