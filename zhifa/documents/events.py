"""Ledger event types of the documents app."""

ISSUED = "document.issued"
CORRECTED = "document.corrected"  # subject: the original document; payload names the correcting one
DOWNLOADED = "document.downloaded"  # 调阅: a download of the signed PDF
VIEWED = "document.viewed"  # 调阅: a detail view
TEMPLATE_CREATED = "document.template_created"
TEMPLATE_DEACTIVATED = "document.template_deactivated"
SIGNING_KEY_ISSUED = "document.signing_key_issued"
SIGNING_KEY_REVOKED = "document.signing_key_revoked"

ALL = [
    ISSUED,
    CORRECTED,
    DOWNLOADED,
    VIEWED,
    TEMPLATE_CREATED,
    TEMPLATE_DEACTIVATED,
    SIGNING_KEY_ISSUED,
    SIGNING_KEY_REVOKED,
]
