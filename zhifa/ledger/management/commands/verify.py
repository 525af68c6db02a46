"""`zhifa verify`: exit 0 when the whole record holds, 1 naming the first bad index or object."""

from django.core.management.base import BaseCommand, CommandError

from zhifa.ledger.verify import verify


class Command(BaseCommand):
    help = "校验全过程记录：重算每条记录摘要和检查点根摘要，核对签名与存储文件 / verify the ledger"

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=None, help="worker processes (default: CPU count, ≤4)"
        )
        parser.add_argument("--no-files", action="store_true", help="skip the registered file checkers")
        parser.add_argument(
            "--no-integrate",
            action="store_true",
            help="do not integrate pending events first (only report them)",
        )

    def handle(self, *args, workers=None, no_files=False, no_integrate=False, **options):
        report = verify(workers=workers, files=not no_files, integrate=not no_integrate)
        rate = report.events / report.seconds if report.seconds else 0
        summary = (
            f"记录 {report.events} 条，检查点 {report.checkpoints} 个，文件检查 {report.files_checked} 项，"
            f"先行排序 {report.integrated} 条，待排序 {report.pending} 条，"
            f"用时 {report.seconds:.2f} 秒（{rate:,.0f} 条/秒，{report.workers} 进程"
            f"{'，读取入库时生成的字段文本' if report.entries == 'stored' else ''}）"
        )
        if report.ok:
            self.stdout.write(f"OK 全过程记录校验通过 / ledger verified. {summary}")
            return
        for problem in report.problems[1:20]:
            self.stderr.write(f"  also: {problem}")
        raise CommandError(
            f"校验失败 / verification FAILED at {report.first}. {summary}",
            returncode=1,
        )
