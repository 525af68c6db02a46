"""Ratio benchmarks against bare baselines measured in the same run (`make bench` = `python -m benchmarks`).

Adding a benchmark: in a module of this package, decorate a function with `@bench("name")`. It receives a
`Context` (the database vendor, a scratch directory) after Django is set up on a throw-away database with every
migration applied, and returns a list of `Result`s, each a measured rate next to its baseline's rate. List the
module in MODULES. Each database target runs in its own child process, so benchmarks may create tables and
commit freely; nothing touches the developer's var/ directory or database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

MODULES = [
    "benchmarks.ledger",
    "benchmarks.files",
    "benchmarks.cases",
    "benchmarks.search",
    "benchmarks.search_alternatives",
    "benchmarks.portal",
]


@dataclass
class Result:
    name: str  # what was measured
    unit: str  # "events/s", "MB/s" ...
    value: float
    baseline_name: str
    baseline: float
    target: float | None = None  # minimum value/baseline ratio, if there is one
    min_value: float | None = None  # minimum absolute value, if there is one
    target_vendor: str | None = None  # the targets apply to this database only (None: every database)
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    vendor: str
    scratch: Path
    quick: bool = False


@dataclass
class Bench:
    name: str
    func: Callable[[Context], list[Result]]


BENCHES: list[Bench] = []


def bench(name: str):
    def register(func):
        BENCHES.append(Bench(name, func))
        return func

    return register
