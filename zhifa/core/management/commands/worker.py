"""`zhifa worker`: the django-tasks database worker, the periodic scheduler (zhifa/core/periodic.py) and, in ledger
integration mode "worker" (PostgreSQL), the ledger's sequencer loop."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhifa.core.periodic import run_scheduler
from zhifa.ledger.services import integration_mode, run_integrator


class Command(BaseCommand):
    help = "运行后台任务进程（含定时任务：执法证到期预警、节假日数据检查、全过程记录签名检查点）。"

    def handle(self, *args, **options):
        stop = threading.Event()
        scheduler = threading.Thread(target=run_scheduler, args=(stop,), name="zhifa-scheduler", daemon=True)
        scheduler.start()
        if integration_mode() == "worker":
            integrator = threading.Thread(
                target=run_integrator, args=(stop,), name="zhifa-ledger-integrator", daemon=True
            )
            integrator.start()
        try:
            call_command("db_worker", queue_name="*", reload=False)
        finally:
            stop.set()
