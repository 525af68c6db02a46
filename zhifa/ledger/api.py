"""Ledger API (public): signed checkpoints, the platform public key, inclusion and consistency proofs.

Anyone may fetch these: a checkpoint held outside the platform is what makes a rewrite of history detectable.
Hashes and signatures are hex; `statement` is the exact byte string (UTF-8 JSON) the signature covers.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhifa.api.auth import OPTIONAL
from zhifa.core.errors import NotFound
from zhifa.ledger import services, signing
from zhifa.ledger.models import Checkpoint

router = Router()


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    alg: str
    created_at: dt.datetime
    signature: str
    key_id: str
    public_key_pem: str
    statement: str

    @staticmethod
    def resolve_root_hash(obj):
        return obj.root_hex

    @staticmethod
    def resolve_signature(obj):
        return obj.signature_hex

    @staticmethod
    def resolve_statement(obj):
        return obj.statement().decode()


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key_pem: str


class InclusionOut(Schema):
    index: int
    tree_size: int
    alg: str
    leaf_hash: str
    path: list[str]
    root_hash: str


class ConsistencyOut(Schema):
    first: int
    second: int
    alg: str
    first_root: str
    second_root: str
    path: list[str]


def _hex(proof: dict) -> dict:
    return {
        k: (v.hex() if isinstance(v, bytes) else [p.hex() for p in v] if k == "path" else v)
        for k, v in proof.items()
    }


@router.get("/checkpoints", response=list[CheckpointOut], auth=OPTIONAL, summary="签名检查点（新→旧）")
@paginate(PageNumberPagination, page_size=50)
def list_checkpoints(request: HttpRequest):
    return Checkpoint.objects.order_by("-tree_size")


@router.get("/checkpoints/latest", response=CheckpointOut, auth=OPTIONAL, summary="最新签名检查点")
def latest_checkpoint(request: HttpRequest):
    checkpoint = services.latest_checkpoint()
    if checkpoint is None:
        raise NotFound("尚无签名检查点。", code="no_checkpoint")
    return checkpoint


@router.get("/public-key", response=PublicKeyOut, auth=OPTIONAL, summary="平台签名公钥")
def public_key(request: HttpRequest):
    public = signing.platform_key().public_key()
    return {
        "algorithm": "Ed25519",
        "key_id": signing.key_id(public),
        "public_key_pem": signing.public_pem(public),
    }


@router.get(
    "/proofs/inclusion", response=InclusionOut, auth=OPTIONAL, summary="存在性证明（RFC 9162 §2.1.3）"
)
def inclusion(request: HttpRequest, index: int, tree_size: int | None = None):
    """`tree_size` defaults to the latest checkpoint's size."""
    if tree_size is None:
        checkpoint = services.latest_checkpoint()
        if checkpoint is None:
            raise NotFound("尚无签名检查点，请指定 tree_size。", code="no_checkpoint")
        tree_size = checkpoint.tree_size
    return _hex(services.inclusion_proof(index, tree_size))


@router.get(
    "/proofs/consistency", response=ConsistencyOut, auth=OPTIONAL, summary="一致性证明（RFC 9162 §2.1.4）"
)
def consistency(request: HttpRequest, first: int, second: int):
    return _hex(services.consistency_proof(first, second))
