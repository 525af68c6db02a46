"""Fixtures shared by every app. The environment (throw-away var/ directory) is set by zhifa/testenv.py."""

import pytest

pytest_plugins = ["zhifa.core.browser"]


@pytest.fixture
def world(db):
    """Two agencies in 昌吉市, one in another county, a Justice Bureau, and a user per role."""
    from zhifa.core.testing import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness protects real accounts; in tests it only costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
