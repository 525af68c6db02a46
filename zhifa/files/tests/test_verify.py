"""`zhifa verify` re-hashes every stored file and names the one that changed or went missing."""

import pytest
from django.core.management import CommandError, call_command

from zhifa.files import services
from zhifa.files.checks import check_blobs
from zhifa.ledger.verify import FILE_CHECKERS

pytestmark = pytest.mark.django_db


def test_checker_is_registered():
    assert check_blobs in FILE_CHECKERS


def test_verify_passes_then_fails_naming_a_flipped_byte_and_a_missing_file(capsys):
    # given two stored files
    good = services.store_bytes(b"intact evidence " * 1000)
    bad = services.store_bytes(b"evidence to be altered " * 1000)
    call_command("verify")
    assert "OK" in capsys.readouterr().out
    # when one byte of one of them is flipped on disk
    path = services.blob_path(bad)
    raw = bytearray(path.read_bytes())
    raw[1234] ^= 0x01
    path.write_bytes(bytes(raw))
    # then verify exits 1 naming it (and only it)
    with pytest.raises(CommandError) as failed:
        call_command("verify")
    assert failed.value.returncode == 1
    assert bad.storage_key in str(failed.value) and "SM3" in str(failed.value)
    problems = list(check_blobs())
    assert [p.ref for p in problems] == [bad.storage_key]
    # and a deleted file is named as missing
    services.blob_path(good).unlink()
    refs = {p.ref: p.message for p in check_blobs()}
    assert set(refs) == {good.storage_key, bad.storage_key} and "缺失" in refs[good.storage_key]
