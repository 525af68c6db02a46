"""Column specifications of the item lists: one source for the Excel headers, validation, the API and the console.

Each item model declares `COLUMNS`, a tuple of `Column`. The header is the real Chinese column header of the
published list (domain.md §4); `field` is the model field it fills; `kind` says how a cell is read and written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "text"  # text | int | decimal | date | choice | multi | bool | jurisdiction | basis
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for choice / multi
    help: str = ""

    def label_of(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    def value_of(self, label: str) -> str | None:
        """The stored value of a label (a stored value itself is accepted too)."""
        for value, text in self.choices:
            if label in (text, value):
                return value
        return None
