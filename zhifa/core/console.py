"""The console home page is assembled from sections that each app contributes.

An app adds `home_sections(user) -> list[Section]` to its console.py and its dotted path to PROVIDERS. A section
is a titled list of rows (text, optional link, optional badge); `attention=True` puts it under “待办与提醒”.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module


@dataclass
class Row:
    text: str
    url: str = ""
    badge: str = ""
    tone: str = ""  # "", "warn", "danger", "ok"
    note: str = ""


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    attention: bool = False
    empty_text: str = "暂无"
    more_url: str = ""


PROVIDERS = [
    "zhifa.core.views.alert_sections",
    "zhifa.registry.console.home_sections",
    "zhifa.catalog.console.home_sections",
    "zhifa.deadlines.console.home_sections",
    "zhifa.cases.console.home_sections",
    "zhifa.reviews.console.home_sections",
    "zhifa.portal.console.home_sections",
    "zhifa.portal.annual.console.home_sections",
]


def sections_for(user) -> list[Section]:
    sections: list[Section] = []
    for dotted in PROVIDERS:
        module, name = dotted.rsplit(".", 1)
        try:
            provider = getattr(import_module(module), name)
        except (ImportError, AttributeError):
            continue  # an app that contributes nothing to the home page
        sections.extend(provider(user))
    return sections
