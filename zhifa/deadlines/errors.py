"""Errors of the deadlines engine."""

from __future__ import annotations

from zhifa.core.errors import DomainError

CALENDAR_BASIS = "《全国年节及纪念日放假办法》及国务院办公厅年度放假安排通知"


def alert_key(year: int) -> str:
    return f"calendar.missing.{year}"


class CalendarDataMissing(DomainError):
    """A date falls in a year for which neither chinesecalendar nor an administrator's CalendarYear has data.

    Raising it inside a service's transaction loses anything written there, so the supervisor alert is raised
    by `after_rollback()`, which error handlers call outside the transaction (the deadlines API and console do).
    When the error is raised outside any transaction the calendar raises the alert at once.
    """

    status = 409
    code = "calendar_data_missing"

    def __init__(self, year: int, *, citation: str = CALENDAR_BASIS):
        self.year = year
        super().__init__(
            f"{year}年的工作日历尚无数据：内置的节假日数据不含{year}年，系统管理员也尚未录入并确认该年度的"
            f"放假和调休安排。系统不会猜测工作日。请系统管理员在“系统管理 → 工作日历年度”中按国务院办公厅"
            f"放假安排通知录入{year}年的放假和调休日期并勾选“已完整录入”，然后重新计算。",
            code=self.code,
            citation=citation,
            details={"year": year},
        )

    def after_rollback(self):
        """Raise (idempotently) the critical supervisor alert for the missing year; returns the Alert."""
        from zhifa.core.models import Alert
        from zhifa.core.services import raise_alert

        return raise_alert(
            alert_key(self.year),
            kind="calendar_missing",
            severity=Alert.Severity.CRITICAL,
            title=f"{self.year}年工作日历数据缺失，涉及该年度的期限无法计算",
            detail=self.message,
            citation=CALENDAR_BASIS,
            subject=("deadlines.calendaryear", str(self.year)),
        )
