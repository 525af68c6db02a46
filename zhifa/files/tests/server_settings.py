"""Settings of the throw-away dev server that test_restart.py starts, kills and restarts.

The project's settings, with the crash-test app, small sync steps, and only the files URLs (the server under test
is the file store; other apps' pages are not needed).
"""

from zhifa.settings import *  # noqa: F403
from zhifa.settings import INSTALLED_APPS

# the platforms (cases and what builds on it) are left out: the file store stands below them
PLATFORMS = ("zhifa.cases", "zhifa.documents", "zhifa.reviews", "zhifa.portal", "zhifa.portal.search",
             "zhifa.portal.annual")  # fmt: skip
INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in PLATFORMS] + ["zhifa.files.tests.crashapp"]
ROOT_URLCONF = "zhifa.files.tests.server_urls"
ZHIFA_UPLOAD_SYNC_BYTES = 1 << 20
