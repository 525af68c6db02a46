import pytest


@pytest.fixture(autouse=True)
def own_result_rows(monkeypatch):
    """These tests index rows directly (no publications behind them): show the index's own rows, whatever loader
    the publications app registered at start-up."""
    from zhifa.portal.search import services

    monkeypatch.setattr(services, "_loaders", [])
