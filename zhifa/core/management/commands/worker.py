"""`zhifa worker`: the django-tasks database worker plus the periodic scheduler (zhifa/core/periodic.py)."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhifa.core.periodic import run_scheduler


class Command(BaseCommand):
    help = "运行后台任务进程（含定时任务：执法证到期预警、节假日数据检查、全过程记录签名检查点）。"

    def handle(self, *args, **options):
        stop = threading.Event()
        scheduler = threading.Thread(target=run_scheduler, args=(stop,), name="zhifa-scheduler", daemon=True)
        scheduler.start()
        try:
            call_command("db_worker", queue_name="*", reload=False)
        finally:
            stop.set()
