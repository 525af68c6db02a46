"""The Merkle tree against the published RFC 6962 / RFC 9162 test vectors, pinned SM3 vectors, and properties."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.ledger import merkle
from zhifa.ledger.merkle import CompactRange, ListTree

# RFC 6962 test data as published by transparency-dev/merkle (testonly/constants.go, proof/verify_test.go),
# originally google/certificate-transparency.
INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
SHA256_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (index, tree size, path); the published vectors number leaves from 1, here from 0.
SHA256_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
SHA256_CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (1, 1, []),
]  # fmt: skip

# SM3 over the same inputs: computed here (OpenSSL SM3, checked against the textbook recursion below) and pinned,
# so that any drift in prefixes, split rule or empty-tree hash shows up. The empty root is SM3("").
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 example A.1


def leaves(alg):
    return [merkle.leaf_hash(alg, d) for d in INPUTS]


def h(hexes):
    return [bytes.fromhex(x) for x in hexes]


def test_sm3_is_the_gbt_32905_hash():
    assert hashlib.new("sm3", b"abc").hexdigest() == SM3_ABC
    assert hashlib.new("sm3", b"abcd" * 16).hexdigest() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"  # GB/T 32905 example A.2
    )


@pytest.mark.parametrize("size", range(0, 9))
def test_sha256_roots_match_rfc6962(size):
    tree = ListTree("sha256", leaves("sha256"))
    assert tree.root(size).hex() == SHA256_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), SHA256_INCLUSION)
def test_sha256_inclusion_vectors(index, size, path):
    tree = ListTree("sha256", leaves("sha256"))
    # the generated path is the published one
    assert tree.inclusion_proof(index, size) == h(path)
    # and it verifies against the published root
    root = bytes.fromhex(SHA256_ROOTS[size])
    assert merkle.verify_inclusion("sha256", index, size, tree.leaves[index], h(path), root)


@pytest.mark.parametrize(("first", "second", "path"), SHA256_CONSISTENCY)
def test_sha256_consistency_vectors(first, second, path):
    tree = ListTree("sha256", leaves("sha256"))
    assert tree.consistency_proof(first, second) == h(path)
    r1, r2 = bytes.fromhex(SHA256_ROOTS[first]), bytes.fromhex(SHA256_ROOTS[second])
    assert merkle.verify_consistency("sha256", first, second, r1, r2, h(path))


def _corruptions(path, root):
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    yield path + [b""]
    yield path + [root]
    yield [b""] + path
    yield [root] + path
    if path:
        yield path[:-1]
        for i in range(len(path)):
            flipped = list(path)
            flipped[i] = bytes([path[i][0] ^ 8]) + path[i][1:]
            yield flipped
    if len(path) > 1:
        yield [path[0], some] + path[1:]


@pytest.mark.parametrize(("index", "size", "path"), SHA256_INCLUSION[:4])
def test_corrupted_inclusion_proofs_fail(index, size, path):
    lv = leaves("sha256")
    root = bytes.fromhex(SHA256_ROOTS[size])
    path = h(path)
    leaf = lv[index]
    assert not merkle.verify_inclusion("sha256", index - 1, size, leaf, path, root)
    assert not merkle.verify_inclusion("sha256", index + 1, size, leaf, path, root)
    assert not merkle.verify_inclusion("sha256", index ^ 2, size, leaf, path, root)
    assert not merkle.verify_inclusion("sha256", index, size * 2, leaf, path, root)
    assert not merkle.verify_inclusion("sha256", index, size // 2, leaf, path, root)
    assert not merkle.verify_inclusion("sha256", index, size, b"WrongLeaf", path, root)
    assert not merkle.verify_inclusion("sha256", index, size, leaf, path, bytes.fromhex(SHA256_ROOTS[0]))
    for bad in _corruptions(path, root):
        assert not merkle.verify_inclusion("sha256", index, size, leaf, bad, root)


@pytest.mark.parametrize(("first", "second", "path"), SHA256_CONSISTENCY[:4])
def test_corrupted_consistency_proofs_fail(first, second, path):
    r1, r2 = bytes.fromhex(SHA256_ROOTS[first]), bytes.fromhex(SHA256_ROOTS[second])
    path = h(path)
    v = merkle.verify_consistency
    assert not v("sha256", first - 1, second, r1, r2, path)
    assert not v("sha256", first + 1, second, r1, r2, path)
    assert not v("sha256", first ^ 2, second, r1, r2, path)
    assert not v("sha256", first, second * 2, r1, r2, path)
    assert not v("sha256", first, second // 2, r1, r2, path)
    assert not v("sha256", first, second, b"WrongRoot", r2, path)
    assert not v("sha256", first, second, r1, b"WrongRoot", path)
    assert not v("sha256", first, second, r2, r1, path)
    assert not v("sha256", first, second, r1, r2, [])
    for bad in _corruptions(path, r1):
        assert not v("sha256", first, second, r1, r2, bad)
    assert not v("sha256", first, second, r1, r2, [path[0]] + path)


def test_trivial_consistency_cases():
    some = hashlib.sha256(b"x").digest()
    assert merkle.verify_consistency("sha256", 0, 0, some, some, [])
    assert merkle.verify_consistency("sha256", 0, 5, some, b"other", [])
    assert not merkle.verify_consistency("sha256", 0, 5, some, b"other", [some])
    assert not merkle.verify_consistency("sha256", 3, 3, some, b"other", [])
    assert not merkle.verify_consistency("sha256", 2, 1, some, some, [])


SM3_PINNED = {
    # size: root over the first `size` RFC 6962 inputs, hashed with SM3
    0: "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
}


def test_sm3_roots_are_pinned():
    tree = ListTree("sm3", leaves("sm3"))
    assert tree.root(0).hex() == SM3_PINNED[0]
    assert [tree.root(n).hex() for n in range(1, 9)] == SM3_ROOTS_1_8
    assert [p.hex() for p in tree.inclusion_proof(5, 8)] == SM3_INCLUSION_5_8
    assert [p.hex() for p in tree.consistency_proof(6, 8)] == SM3_CONSISTENCY_6_8


SM3_ROOTS_1_8 = [
    "2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf",
    "0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d",
    "209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56",
    "28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377",
    "bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b",
    "8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66",
    "bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2",
    "bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38",
]
SM3_INCLUSION_5_8 = [
    "a798bfdb4164a6c7b41a6faecc5c3155cf04d38929dcbd4fe21dea29071aac64",
    "155f6ed4ccfa83510c9416c99b48f41aa5b12e443546bee1b501a7b281e5132a",
    "28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377",
]
SM3_CONSISTENCY_6_8 = [
    "6f5566cd4dfab1605e73be3ce132f38de996be0094142731e1eb2ab2e001daca",
    "155f6ed4ccfa83510c9416c99b48f41aa5b12e443546bee1b501a7b281e5132a",
    "28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377",
]


def reference_mth(alg, data):
    """RFC 9162 §2.1.1 MTH written as the recursion in the text, independent of merkle.py."""
    if not data:
        return hashlib.new(alg).digest()
    if len(data) == 1:
        return hashlib.new(alg, b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.new(alg, b"\x01" + reference_mth(alg, data[:k]) + reference_mth(alg, data[k:])).digest()


@pytest.mark.parametrize("alg", ["sm3", "sha256"])
def test_roots_agree_with_the_textbook_recursion(alg):
    tree = ListTree(alg, leaves(alg))
    for n in range(0, 9):
        assert tree.root(n) == reference_mth(alg, INPUTS[:n])
    assert [reference_mth("sm3", INPUTS[:n]).hex() for n in range(1, 9)] == SM3_ROOTS_1_8


# --- properties ------------------------------------------------------------------------------------------------

leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies_and_a_changed_leaf_or_sibling_fails(data_items, data):
    alg = data.draw(st.sampled_from(["sm3", "sha256"]))
    tree = ListTree(alg, [merkle.leaf_hash(alg, d) for d in data_items])
    size = data.draw(st.integers(1, len(data_items)))
    index = data.draw(st.integers(0, size - 1))
    root = tree.root(size)
    path = tree.inclusion_proof(index, size)
    assert merkle.verify_inclusion(alg, index, size, tree.leaves[index], path, root)
    # a changed leaf fails
    assert not merkle.verify_inclusion(alg, index, size, merkle.leaf_hash(alg, b"forged"), path, root)
    # a changed sibling fails
    if path:
        i = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not merkle.verify_inclusion(alg, index, size, tree.leaves[index], bad, root)


@given(leaf_lists, st.data())
def test_every_consistency_proof_verifies_and_a_changed_node_fails(data_items, data):
    alg = data.draw(st.sampled_from(["sm3", "sha256"]))
    tree = ListTree(alg, [merkle.leaf_hash(alg, d) for d in data_items])
    second = data.draw(st.integers(1, len(data_items)))
    first = data.draw(st.integers(1, second))
    r1, r2 = tree.root(first), tree.root(second)
    path = tree.consistency_proof(first, second)
    assert merkle.verify_consistency(alg, first, second, r1, r2, path)
    if path:
        i = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not merkle.verify_consistency(alg, first, second, r1, r2, bad)
    if first < second:
        # a history where one early leaf changed is not consistent
        changed = list(tree.leaves)
        changed[0] = merkle.leaf_hash(alg, b"rewritten")
        forged = ListTree(alg, changed)
        assert not merkle.verify_consistency(alg, first, second, forged.root(first), r2, path)


@given(st.lists(st.binary(max_size=4), max_size=80), st.data())
def test_compact_range_gives_the_root_at_every_size_and_round_trips(data_items, data):
    alg = data.draw(st.sampled_from(["sm3", "sha256"]))
    lv = [merkle.leaf_hash(alg, d) for d in data_items]
    compact = CompactRange(alg)
    assert compact.root() == merkle.empty_root(alg)
    for n, leaf in enumerate(lv, start=1):
        compact.append(leaf)
        assert compact.root() == ListTree(alg, lv).root(n)
    again = CompactRange.from_bytes(alg, compact.size, compact.to_bytes())
    assert again.root() == compact.root()


def test_split_point_is_rfc_not_midpoint():
    assert {n: merkle.split_point(n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 1000)} == {
        2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 8: 4, 9: 8, 1000: 512,
    }  # fmt: skip
