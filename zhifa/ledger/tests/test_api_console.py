"""The public ledger API, the console pages and the read-only admin."""

import pytest
from django.urls import reverse

from zhifa.ledger import merkle, signing
from zhifa.ledger.models import Checkpoint, Event, Leaf
from zhifa.ledger.services import SYSTEM, append, create_checkpoint, log_size

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(events, key_path):
    return create_checkpoint()


def test_checkpoints_are_public_and_their_signature_verifies(client, checkpoint):
    # given an anonymous caller
    response = client.get("/api/v1/ledger/checkpoints")
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["tree_size"] == checkpoint.tree_size and item["root_hash"] == checkpoint.root_hex
    # then the signature verifies over the published statement with the published key
    key = client.get("/api/v1/ledger/public-key").json()
    assert key["key_id"] == item["key_id"]
    public = signing.load_public_pem(key["public_key_pem"])
    assert signing.verify_signature(public, bytes.fromhex(item["signature"]), item["statement"].encode())
    latest = client.get("/api/v1/ledger/checkpoints/latest").json()
    assert latest == item


def test_latest_checkpoint_404_when_there_is_none(client, db):
    response = client.get("/api/v1/ledger/checkpoints/latest")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_checkpoint"


def test_inclusion_proof_api_verifies_against_the_checkpoint(client, checkpoint):
    index = checkpoint.tree_size - 3
    proof = client.get(f"/api/v1/ledger/proofs/inclusion?index={index}").json()
    assert proof["tree_size"] == checkpoint.tree_size and proof["root_hash"] == checkpoint.root_hex
    leaf = bytes(Leaf.objects.get(index=index).leaf_hash)
    assert proof["leaf_hash"] == leaf.hex()
    assert merkle.verify_inclusion(
        proof["alg"], index, proof["tree_size"], leaf, [bytes.fromhex(p) for p in proof["path"]],
        bytes(checkpoint.root_hash),
    )  # fmt: skip


def test_consistency_proof_api(client, checkpoint):
    size = log_size()
    proof = client.get(f"/api/v1/ledger/proofs/consistency?first=3&second={size}").json()
    assert merkle.verify_consistency(
        proof["alg"], 3, size, bytes.fromhex(proof["first_root"]), bytes.fromhex(proof["second_root"]),
        [bytes.fromhex(p) for p in proof["path"]],
    )  # fmt: skip


def test_proofs_refuse_sizes_beyond_the_log(client, checkpoint):
    size = log_size()
    response = client.get(f"/api/v1/ledger/proofs/inclusion?index=0&tree_size={size + 1}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_tree_size"
    response = client.get(f"/api/v1/ledger/proofs/inclusion?index={size}&tree_size={size}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_index"
    response = client.get("/api/v1/ledger/proofs/consistency?first=5&second=4")
    assert response.status_code == 400


def test_console_pages_require_login(client, db):
    for name in ("ledger:summary", "ledger:checkpoints"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_console_summary_and_checkpoint_list(client, django_user_model, checkpoint):
    user = django_user_model.objects.create_user("zhang3", password="x" * 12, role="officer")
    client.force_login(user)
    append("test.waiting", actor=SYSTEM, subject=("test.thing", 1), payload={})  # not integrated in a test
    page = client.get(reverse("ledger:summary")).content.decode()
    assert f"<strong>{log_size()}</strong>" in page and "另有 1 条待排序" in page
    assert checkpoint.root_hex in page
    assert signing.key_id(signing.platform_key().public_key()) in page
    listing = client.get(reverse("ledger:checkpoints")).content.decode()
    assert str(checkpoint.tree_size) in listing and checkpoint.root_hex in listing


def test_admin_is_read_only(client, django_user_model, checkpoint):
    admin = django_user_model.objects.create_superuser("root", password="x" * 12, role="admin")
    client.force_login(admin)
    event = Event.objects.first()
    assert client.get("/admin/ledger/event/").status_code == 200
    assert client.get(f"/admin/ledger/event/{event.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/ledger/event/add/").status_code == 403
    assert client.post(f"/admin/ledger/event/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/ledger/checkpoint/").status_code == 200
    assert client.get("/admin/ledger/checkpoint/add/").status_code == 403
    assert client.post(f"/admin/ledger/checkpoint/{checkpoint.pk}/delete/").status_code == 403
    assert Checkpoint.objects.filter(pk=checkpoint.pk).exists()
