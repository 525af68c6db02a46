"""A pytest plugin loaded before pytest-django configures Django (`-p zhifa.testenv` in pyproject):
tests get a throw-away data directory (keys, SQLite, media) and run tasks immediately."""

import os
import tempfile

var_dir = os.environ.setdefault("ZHIFA_VAR_DIR", tempfile.mkdtemp(prefix="zhifa-test-"))
# Under pytest-xdist (`-n`), each worker has its own test database: it gets its own data directory too (keys, media).
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["ZHIFA_VAR_DIR"] = os.path.join(var_dir, worker)
    os.makedirs(os.environ["ZHIFA_VAR_DIR"], exist_ok=True)
os.environ.setdefault("ZHIFA_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
# No worker runs under pytest: events are integrated as their transactions commit (tests of the worker's integrator
# loop switch the setting themselves).
os.environ.setdefault("ZHIFA_LEDGER_INTEGRATION", "commit")
