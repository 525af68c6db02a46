"""Base data every installation needs (not demo data): the bundled statutes, the statutory period rules, ...

The libraries' seeders are listed in SEEDERS and run after every `migrate` (post_migrate of zhifa.core). The
platforms (cases, reviews, portal, annual) connect their own seeder to their app's post_migrate in ready(), so that
a settings module leaving a platform out never imports it. All seeders are idempotent.
"""

from importlib import import_module

SEEDERS = [
    "zhifa.laws.services.import_bundled",
    "zhifa.deadlines.seed.seed",
]


def run_seeders(**kwargs) -> None:
    for dotted in SEEDERS:
        module, name = dotted.rsplit(".", 1)
        getattr(import_module(module), name)()
