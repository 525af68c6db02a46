from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, app_config=None, using="default", plan=None, **kwargs):
    from zhifa.core.seeding import run_seeders

    run_seeders()


class CoreConfig(AppConfig):
    name = "zhifa.core"
    label = "core"
    verbose_name = "系统基础"

    def ready(self):
        from zhifa.ledger.hashing import sm3_available

        if (
            not sm3_available()
        ):  # architecture.md: SM3 checked at start-up; SHA-256 recorded per event instead
            import warnings

            warnings.warn("OpenSSL 不提供 SM3，全过程记录将使用 SHA-256（逐条记录算法）。", stacklevel=1)
        # Once per migrate run (post_migrate is sent after every migration has been applied, once per app).
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-seed")
        _serve_without_nagle()


def _serve_without_nagle() -> None:
    """`zhifa runserver` (what `make demo` and `make serve` run) with TCP_NODELAY on its sockets.

    wsgiref writes a response's status line, headers and body in separate small send()s; on a keep-alive connection
    Nagle's algorithm then holds the tail of every response until the browser's delayed ACK (~40 ms on Linux), so
    each page took at least 40 ms however little it cost (measured in benchmarks/portal.py: a static file 44 ms with
    keep-alive, 2 ms without the delay). The handler class is used by the development server only."""
    from django.core.servers.basehttp import WSGIRequestHandler

    WSGIRequestHandler.disable_nagle_algorithm = True
