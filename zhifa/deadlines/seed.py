"""Statutory period rules (domain.md §3). Filled in by the deadlines module."""


def seed() -> None:
    return None
