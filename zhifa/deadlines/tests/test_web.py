"""The API (/api/v1/deadlines/), the console page, the home-page section and the admin."""

import datetime as dt

import pytest

from zhifa.api.auth import issue_token
from zhifa.core.models import Alert
from zhifa.core.roles import Role
from zhifa.deadlines.console import home_sections
from zhifa.deadlines.models import CalendarYear, HolidayOverride
from zhifa.deadlines.services import FIRST_UNCOVERED_YEAR, set_holiday_override
from zhifa.ledger.models import Event
from zhifa.registry.models import User

D = dt.date
pytestmark = pytest.mark.django_db
Y = FIRST_UNCOVERED_YEAR  # the first year the installed chinesecalendar does not know (2027 with 1.11.0)


@pytest.fixture
def api(client, officer):
    client.force_login(officer)
    return client


def test_api_needs_authentication(client):
    assert client.get("/api/v1/deadlines/rules").status_code == 401
    assert client.post("/api/v1/deadlines/due", {}, content_type="application/json").status_code == 401


def test_api_rules(api):
    rules = api.get("/api/v1/deadlines/rules").json()
    service = next(r for r in rules if r["code"] == "penalty.service")
    assert service["period"] == "7个工作日"
    assert service["citation"] == "《行政处罚法》第六十一条第一款"
    assert service["day_type_citation"] == "《行政处罚法》第八十五条"
    assert "七日内" in service["citation_text"]
    decision = next(r for r in rules if r["code"] == "licensing.decision")
    assert decision["extension"] == "经执法机关负责人批准可延长10个工作日"
    assert decision["extension_approver"] == Role.HEAD
    # no rule was in force in 2000
    assert api.get("/api/v1/deadlines/rules?on=2000-01-01").json() == []


def test_api_due(api):
    response = api.post(
        "/api/v1/deadlines/due",
        {"code": "penalty.service", "start": "2026-09-30"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date"] == "2026-10-15" and body["weekday"] == "星期四"
    assert "第六十一条" in body["explanation"] and "国庆节" in body["explanation"]
    assert {"date_from": "2026-10-01", "date_to": "2026-10-07", "name": "国庆节"} in body["skipped"]
    assert body["adjusted_workdays"] == [{"date": "2026-10-10", "name": "国庆节调休上班"}]


def test_api_due_with_token_extensions_and_excluded(officer, client):
    _, secret = issue_token(officer, "测试")
    response = client.post(
        "/api/v1/deadlines/due",
        {
            "code": "licensing.decision",
            "start": "2026-11-02",
            "extensions": 0,
            "excluded": [{"date_from": "2026-11-09", "date_to": "2026-11-13"}],
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["date"] == "2026-12-07" and response.json()["excluded_days"] == 5


def test_api_due_hours(api):
    response = api.post(
        "/api/v1/deadlines/due",
        {"code": "coercion.emergency_report", "start": "2026-09-30T22:15"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["date"] == "2026-10-01T22:15:00+08:00"  # Beijing time


def test_api_due_errors(api):
    def post(**body):
        return api.post("/api/v1/deadlines/due", body, content_type="application/json")

    # schema errors: 422
    assert post(code="penalty.service").status_code == 422
    assert post(code="penalty.service", start="2026-09-30", extensions=-1).status_code == 422
    # rule errors: structured, Chinese, with the citation
    bad = post(code="penalty.service", start="2026-09-30", extensions=1)
    assert bad.status_code == 400
    assert (
        bad.json()["error"]["code"] == "extension_not_allowed"
        and "第六十一条" in bad.json()["error"]["citation"]
    )
    assert post(code="penalty.service", start="30/09/2026").json()["error"]["code"] == "start_invalid"
    assert post(code="nope", start="2026-09-30").status_code == 404


def test_api_due_in_a_year_without_data_raises_the_alert(api, supervisor):
    # 7 working days from 28 December reach into the year without data
    response = api.post(
        "/api/v1/deadlines/due",
        {"code": "penalty.service", "start": f"{Y - 1}-12-28"},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "calendar_data_missing" and error["details"] == {"year": Y}
    # the supervisor alert exists (raised once, on the ledger once)
    alert = Alert.objects.visible_to(supervisor).open().get(key=f"calendar.missing.{Y}")
    assert Event.objects.filter(event_type="alert.raised", subject_id=str(alert.pk)).count() == 1


def test_api_calendar(api, admin_user):
    body = api.get("/api/v1/deadlines/calendar/2026").json()
    assert body["covered"] is True
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-10-01"]["name"] == "国庆节" and not days["2026-10-01"]["workday"]
    assert days["2026-09-20"]["workday"] and days["2026-09-20"]["name"] == "国庆节调休上班"
    # a year without data says so and lists only what administrators entered
    set_holiday_override(admin_user, date=D(Y, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    body = api.get(f"/api/v1/deadlines/calendar/{Y}").json()
    assert body["covered"] is False and f"{Y}年" in body["message"]
    assert body["days"] == [{"date": f"{Y}-01-01", "workday": False, "name": "元旦", "source": "override"}]


def test_console_page_requires_login(client):
    response = client.get("/console/deadlines/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_console_calculator(client, officer):
    client.force_login(officer)
    page = client.get("/console/deadlines/").content.decode()
    assert (
        "期限规则（现行）" in page and "《行政处罚法》第六十一条第一款" in page and "工作日历覆盖情况" in page
    )
    from zhifa.deadlines.models import PeriodRule

    rule = PeriodRule.objects.get(code="penalty.service")
    page = client.get(f"/console/deadlines/?rule={rule.pk}&start=2026-09-30&extensions=0").content.decode()
    assert "2026年10月15日" in page and "跳过 10月1日–10月7日 国庆节" in page


def test_console_calculator_shows_missing_year(client, officer):
    client.force_login(officer)
    from zhifa.deadlines.models import PeriodRule

    rule = PeriodRule.objects.get(code="penalty.service")
    page = client.get(f"/console/deadlines/?rule={rule.pk}&start={Y - 1}-12-28").content.decode()
    assert f"{Y}年的工作日历尚无数据" in page
    assert Alert.objects.filter(key=f"calendar.missing.{Y}").exists()


def test_console_calendar_page(client, officer):
    client.force_login(officer)
    page = client.get("/console/deadlines/calendar/2026/").content.decode()
    assert "国庆节调休上班" in page and "春节" in page
    page = client.get(f"/console/deadlines/calendar/{Y}/").content.decode()
    assert "缺少数据" in page


@pytest.mark.parametrize(
    ("today", "years", "missing"),
    [
        (D(Y - 1, 6, 1), [Y - 1], []),  # before 1 November: only the current (bundled) year
        (D(Y - 1, 11, 1), [Y - 1, Y], [Y]),  # from 1 November the next year is needed and has no data
        (D(Y, 3, 1), [Y], [Y]),  # in the year without data
    ],
)
def test_home_section_for_supervisors_only(officer, supervisor, admin_user, head, today, years, missing):
    assert home_sections(officer, today=today) == [] and home_sections(head, today=today) == []
    for user in (supervisor, admin_user):
        (section,) = home_sections(user, today=today)
        assert section.title == "工作日历"
        assert section.attention == bool(missing)
        assert len(section.rows) == len(years)
        for row, year in zip(section.rows, years, strict=True):
            assert row.text.startswith(f"{year}年")
            assert row.tone == ("danger" if year in missing else "ok")


def test_console_home_includes_the_section(client, supervisor):
    client.force_login(supervisor)
    assert "工作日历" in client.get("/console/").content.decode()


def test_admin_writes_go_through_services(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/deadlines/holidayoverride/add/",
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert HolidayOverride.objects.get(date=D(2027, 1, 1)).name == "元旦"
    assert Event.objects.filter(event_type="deadlines.override_saved", actor_id=admin_user.pk).exists()
    response = client.post(
        "/admin/deadlines/calendaryear/add/",
        {"year": "2027", "source": "国办发明电〔2026〕测试号", "complete": "on", "note": ""},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).complete
    # a refused rule comes back as a message and writes nothing
    response = client.post(
        "/admin/deadlines/calendaryear/add/",
        {"year": "2028", "source": "x", "complete": "on", "note": ""},
        follow=True,
    )
    assert "2028年尚未录入任何放假日期" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2028).exists()


def test_admin_denies_writes_to_other_staff(client, supervisor):
    # given a staff supervisor in the Django admin
    client.force_login(supervisor)
    assert client.get("/admin/deadlines/holidayoverride/").status_code == 200  # may look
    response = client.post(
        "/admin/deadlines/holidayoverride/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 403
    assert not HolidayOverride.objects.exists()


def test_superuser_is_an_administrator(client):
    root = User.objects.create_superuser("root", password="pw-for-tests-123")
    client.force_login(root)
    client.post(
        "/admin/deadlines/holidayoverride/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert HolidayOverride.objects.filter(date=D(2027, 1, 1)).exists()
