"""Ledger event types of the file store (chain of custody of uploaded files)."""

UPLOAD_CREATED = "files.upload_created"
UPLOAD_FINISHED = "files.upload_finished"
UPLOAD_TERMINATED = "files.upload_terminated"
UPLOAD_EXPIRED = "files.upload_expired"

ALL = [UPLOAD_CREATED, UPLOAD_FINISHED, UPLOAD_TERMINATED, UPLOAD_EXPIRED]
