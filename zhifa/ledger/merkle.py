"""Merkle tree of the ledger, as RFC 9162 §2.1 (the RFC 6962 tree) with a choice of hash: "sm3" or "sha256".

    MTH({})        = HASH()
    MTH({d(0)})    = HASH(0x00 || d(0))                       (the leaf hash)
    MTH(D[n])      = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = the largest power of two smaller than n

Everything here works on *leaf hashes*: the caller hashes entries with `leaf_hash`. Proof generation takes a
`subtree(start, end) -> bytes` callable returning MTH of leaves [start, end), so that the same code serves an
in-memory list (`ListTree`) and the database (zhifa.ledger.services), which reads stored leaf hashes.

`CompactRange` is the incremental form used by checkpoints and `zhifa verify`: it holds the hashes of the perfect
subtrees covering [0, size) (at most log2(size) of them) and yields the root at any size on the way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
ALGORITHMS = ("sm3", "sha256")

SubtreeFn = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof was requested for sizes/indexes that do not exist."""


def _check_alg(alg: str) -> str:
    if alg not in ALGORITHMS:
        raise ValueError(f"unsupported hash algorithm {alg!r}")
    return alg


def leaf_hash(alg: str, data: bytes) -> bytes:
    return hashlib.new(_check_alg(alg), LEAF_PREFIX + data).digest()


def node_hash(alg: str, left: bytes, right: bytes) -> bytes:
    return hashlib.new(alg, NODE_PREFIX + left + right).digest()


def empty_root(alg: str) -> bytes:
    return hashlib.new(_check_alg(alg)).digest()


def split_point(n: int) -> int:
    """k: the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(alg: str, leaves: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes."""
    _check_alg(alg)
    if not leaves:
        return empty_root(alg)
    compact = CompactRange(alg)
    for leaf in leaves:
        compact.append(leaf)
    return compact.root()


class CompactRange:
    """The perfect subtrees covering leaves [0, size), largest first; appending costs amortised one node hash.

    `nodes[i]` covers 2**h leaves where h is the i-th highest set bit of `size`. The root folds them right to left.
    """

    __slots__ = ("alg", "nodes", "size")

    def __init__(self, alg: str, size: int = 0, nodes: Sequence[bytes] = ()):
        self.alg = _check_alg(alg)
        self.size = size
        self.nodes = list(nodes)
        if len(self.nodes) != bin(size).count("1"):
            raise ValueError("compact range does not match its size")

    def append(self, leaf: bytes) -> None:
        self.append_subtree(leaf, 1)

    def append_subtree(self, digest: bytes, count: int) -> None:
        """Add a perfect subtree of `count` (a power of two) leaves that starts at `size` (which it must divide)."""
        if count & (count - 1) or self.size % count:
            raise ValueError("subtree is not aligned")
        size = self.size
        nodes = self.nodes
        alg = self.alg
        # Merge with equal-sized neighbours: the trailing nodes cover the low set bits of `size`.
        bit = count
        while size & bit:
            digest = hashlib.new(alg, NODE_PREFIX + nodes.pop() + digest).digest()
            bit <<= 1
        nodes.append(digest)
        self.size = size + count

    def root(self) -> bytes:
        if not self.nodes:
            return empty_root(self.alg)
        nodes = self.nodes
        digest = nodes[-1]
        for node in reversed(nodes[:-1]):
            digest = node_hash(self.alg, node, digest)
        return digest

    def copy(self) -> CompactRange:
        return CompactRange(self.alg, self.size, self.nodes)

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    @classmethod
    def from_bytes(cls, alg: str, size: int, data: bytes) -> CompactRange:
        width = hashlib.new(_check_alg(alg)).digest_size
        count = bin(size).count("1")
        if len(data) != width * count:
            raise ValueError("compact range bytes do not match the size")
        return cls(alg, size, [bytes(data[i * width : (i + 1) * width]) for i in range(count)])


def inclusion_proof(index: int, size: int, subtree: SubtreeFn) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ProofError("index outside the tree")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
            m -= k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, subtree: SubtreeFn) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1 (empty when first is 0 or equals second)."""
    if not 0 <= first <= second:
        raise ProofError("sizes out of order")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    # SUBPROOF(m, D[start:end], complete), unrolled.
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(subtree(start, end))
            break
        k = split_point(n)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def root_from_inclusion(alg: str, index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2; returns the root the proof leads to, or None when the proof cannot be valid."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(alg, p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(alg, r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    alg: str, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    return root_from_inclusion(alg, index, size, leaf, proof) == bytes(root_hash)


def verify_consistency(
    alg: str, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, plus the trivial cases (first == 0: nothing to prove; first == second: same root)."""
    first_root, second_root = bytes(first_root), bytes(second_root)
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(alg, c, fr)
            sr = node_hash(alg, c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(alg, sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class ListTree:
    """An in-memory tree over a list of leaf hashes (tests, exports, small logs)."""

    def __init__(self, alg: str, leaves: Sequence[bytes]):
        self.alg = _check_alg(alg)
        self.leaves = list(leaves)

    def subtree(self, start: int, end: int) -> bytes:
        return root(self.alg, self.leaves[start:end])

    def root(self, size: int | None = None) -> bytes:
        return root(self.alg, self.leaves[: len(self.leaves) if size is None else size])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, len(self.leaves) if size is None else size, self.subtree)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return consistency_proof(first, len(self.leaves) if second is None else second, self.subtree)
