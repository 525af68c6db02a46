"""Installed only in the throw-away server of test_restart.py: a completion handler that can crash the server."""

import os

from django.apps import AppConfig


def complete(upload, blob, user):
    from zhifa.ledger.services import Actor, append

    append("test.evidence_registered", actor=Actor.from_user(user), subject=upload, payload={"sm3": blob.sm3})
    marker = os.environ.get("ZHIFA_TEST_CRASH_MARKER", "")
    if marker and os.path.exists(marker):  # crash once, inside the completion transaction
        os.remove(marker)
        os._exit(9)
    return {"blob": blob.pk}


class CrashAppConfig(AppConfig):
    name = "zhifa.files.tests.crashapp"
    label = "files_crashapp"

    def ready(self):
        from zhifa.files.uploads import register_completion_handler

        register_completion_handler("test.evidence", complete)
