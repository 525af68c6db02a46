"""Test set-up shared by every app: a throw-away var/ directory (keys, media) per test session."""

import os
import tempfile

# Before Django settings load: keys, the SQLite file and media of tests never touch the developer's var/.
os.environ.setdefault("ZHIFA_VAR_DIR", tempfile.mkdtemp(prefix="zhifa-test-"))
os.environ.setdefault("ZHIFA_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
