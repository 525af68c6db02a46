"""`zhifa demo`: load the synthetic demo data (idempotent); `zhifa demo --accounts` prints the demo accounts."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "加载演示数据（可重复执行）；--accounts 仅打印演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--accounts", action="store_true", help="只打印演示账号")
        parser.add_argument(
            "--cases", type=int, default=None, help="演示案件数量（默认：完整的一年，约60件）"
        )

    def handle(self, *args, accounts=False, cases=None, **options):
        if not accounts:
            self._load(cases)
        self._print_accounts()

    def _load(self, cases: int | None = None):
        from zhifa.registry import demo as registry_demo

        self.stdout.write("加载演示数据：执法主体和人员库 …")
        registry = registry_demo.load()
        try:
            from zhifa.catalog import demo as catalog_demo
        except ImportError:
            catalog_demo = None
        if catalog_demo is not None and hasattr(catalog_demo, "load"):
            self.stdout.write("加载演示数据：执法事项库 …")
            catalog_demo.load(registry["agencies"], registry["users"])
        from zhifa.cases import demo as cases_demo

        self.stdout.write("加载演示数据：一年的办案案例及文书（约一至两分钟）…")
        cases_demo.load(registry, count=cases)
        from zhifa.reviews import demo as reviews_demo

        self.stdout.write("加载演示数据：法制审核 …")
        reviews_demo.load()
        from zhifa.portal import demo as portal_demo

        self.stdout.write("加载演示数据：执法决定公示 …")
        portal_demo.load()
        from zhifa.portal.annual import demo as annual_demo

        self.stdout.write("加载演示数据：行政执法统计年报 …")
        annual_demo.load(registry)
        from zhifa.deadlines.services import check_calendar_coverage

        check_calendar_coverage()  # today (late 2026): the 2027 holiday schedule is not entered yet → alert
        from zhifa.ledger.services import create_checkpoint

        create_checkpoint()  # the portal's 记录核验 page and the archives have a signed checkpoint at once
        token_file = settings.VAR_DIR / "demo-api-token"
        if not token_file.exists():
            from zhifa.api.auth import issue_token

            _token, secret = issue_token(registry["users"]["upper_platform"], "演示：上级平台拉取数据")
            token_file.parent.mkdir(parents=True, exist_ok=True)
            token_file.write_text(secret)
            token_file.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))

    def _print_accounts(self):
        from zhifa.registry.demo import ACCOUNT_NOTES, DEMO_PASSWORD

        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, note in ACCOUNT_NOTES:
            self.stdout.write(f"  {username:<16} {note}")
        token_file = settings.VAR_DIR / "demo-api-token"
        if token_file.exists():
            self.stdout.write(
                f"  上级平台（机器客户端）API 令牌：Authorization: Bearer {token_file.read_text().strip()}"
            )
        self.stdout.write("")
