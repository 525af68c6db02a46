import hashlib

import pytest

from zhifa.files import services

pytestmark = pytest.mark.django_db


def test_store_computes_both_digests_and_deduplicates():
    data = b"abc" * 1_000_000  # 3 MB: several chunks
    blob = services.store_bytes(data, content_type="application/octet-stream")
    assert blob.sm3 == hashlib.new("sm3", data).hexdigest()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert services.read_bytes(blob) == data
    assert services.store_bytes(data).pk == blob.pk


def test_failed_stream_leaves_nothing():
    def chunks():
        yield b"x" * 100
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        services.store_stream(chunks())
    assert not list((services.root() / "tmp").glob("*.part"))
    assert not services.Blob.objects.exists()
