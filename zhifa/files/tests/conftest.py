import hashlib

import pytest

from zhifa.core.errors import ValidationFailed
from zhifa.files import uploads
from zhifa.ledger.services import Actor, append

PURPOSE = "test.evidence"
OCTET = "application/offset+octet-stream"


class Recorder:
    """A completion handler like CASES' evidence handler: writes a record (here a ledger event) or refuses."""

    def __init__(self):
        self.calls = []
        self.refuse = False

    def validate(self, metadata, user):
        if metadata.get("case_id") == "999":
            raise ValidationFailed("案件不存在或已结案，不能上传证据。", code="case_closed")

    def complete(self, upload, blob, user):
        append(
            "test.evidence_registered",
            actor=Actor.from_user(user),
            subject=upload,
            payload={"sm3": blob.sm3},
            case_id=7,
        )
        if self.refuse:
            raise ValidationFailed(
                "证据类型无效，不能登记。", code="invalid_evidence", citation="行政处罚法第四十六条"
            )
        self.calls.append((upload.pk, blob.pk, user.pk))
        return {"evidence_id": len(self.calls)}


@pytest.fixture
def handler():
    recorder = Recorder()
    uploads.register_completion_handler(PURPOSE, recorder.complete, validate=recorder.validate)
    yield recorder
    uploads.unregister_completion_handler(PURPOSE)


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()
