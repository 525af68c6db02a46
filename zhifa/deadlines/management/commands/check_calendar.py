from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from zhifa.deadlines.services import check_calendar_coverage


class Command(BaseCommand):
    help = "检查工作日历数据是否覆盖本年度（11月1日起含下一年度），缺失时向监督人员发出严重预警。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD（默认今天）"
        )

    def handle(self, *args, today=None, **options):
        missing = check_calendar_coverage(today)
        if missing:
            years = "、".join(str(y) for y in missing)
            self.stdout.write(f"缺少工作日历数据的年度：{years}（已发出预警）")
            return
        self.stdout.write("工作日历数据完整。")
