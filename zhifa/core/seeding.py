"""Base data every installation needs (not demo data): the bundled statutes, the statutory period rules, ...

Each app adds its seeder to SEEDERS. They run after every `migrate` (post_migrate) and are idempotent.
"""

from importlib import import_module

SEEDERS = [
    "zhifa.laws.services.import_bundled",
    "zhifa.deadlines.seed.seed",
    "zhifa.portal.seed.seed",
    "zhifa.portal.annual.seed.seed",
]


def run_seeders(**kwargs) -> None:
    for dotted in SEEDERS:
        module, name = dotted.rsplit(".", 1)
        getattr(import_module(module), name)()
