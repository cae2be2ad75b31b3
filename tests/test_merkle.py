"""RFC 9162 Merkle tree tests: published vectors, corruptions, and properties.

The vectors in part (a) are the RFC 6962 test data of
github.com/transparency-dev/merkle (testonly/constants.go for leaves, roots
and compact ranges; cmd/proofgen/main.go for the proofs, from which that
repository generates its testdata/ probes). Leaf indices there are 1-based;
here they are converted to 0-based.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warlog.audit import merkle
from warlog.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    consistency_proof_from,
    inclusion_proof,
    inclusion_proof_from,
    leaf_hash,
    node_hash,
    root,
    root_from,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

# --- (a) published vectors ---------------------------------------------------

LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
LEAF_HASHES = [leaf_hash(leaf) for leaf in LEAVES]

# ROOTS[n] is the head of the tree over the first n leaves.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# Perfect-subtree hashes by level, then position (NodeHashes in testonly).
NODES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# Compact ranges after each size (CompactTrees in testonly).
COMPACT = [
    [],
    [NODES[0][0]],
    [NODES[1][0]],
    [NODES[1][0], NODES[0][2]],
    [NODES[2][0]],
    [NODES[2][0], NODES[0][4]],
    [NODES[2][0], NODES[1][2]],
    [NODES[2][0], NODES[1][2], NODES[0][6]],
    [NODES[3][0]],
]

# (index, size, proof)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old_size, new_size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_hash_primitives() -> None:
    assert EMPTY_ROOT == ROOTS[0] == hashlib.sha256(b"").digest()
    assert leaf_hash(b"") == NODES[0][0]
    assert node_hash(NODES[0][0], NODES[0][1]) == NODES[1][0]


@pytest.mark.parametrize("size", range(9))
def test_roots(size: int) -> None:
    assert root(LEAF_HASHES[:size]) == ROOTS[size]


def test_every_perfect_subtree() -> None:
    for level, row in enumerate(NODES):
        for i, want in enumerate(row):
            assert root(LEAF_HASHES[i << level : (i + 1) << level]) == want


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_published_inclusion_proof(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(index, LEAF_HASHES[:size]) == proof
    assert verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_published_consistency_proof(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(old, LEAF_HASHES[:new]) == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _inclusion_corruptions(
    index: int, size: int, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, list[bytes], bytes]]]:
    """The same kinds of damage as transparency-dev's generated probes."""
    leaf, top = LEAF_HASHES[index], ROOTS[size]
    cases = [
        ("index - 1", (index - 1, size, leaf, proof, top)),
        ("index + 1", (index + 1, size, leaf, proof, top)),
        ("index ^ 2", (index ^ 2, size, leaf, proof, top)),
        ("size * 2", (index, size * 2, leaf, proof, top)),
        ("size // 2", (index, size // 2, leaf, proof, top)),
        ("wrong leaf", (index, size, b"WrongLeaf", proof, top)),
        ("other leaf", (index, size, leaf_hash(b"other"), proof, top)),
        ("empty root", (index, size, leaf, proof, EMPTY_ROOT)),
        ("random root", (index, size, leaf, proof, SOME_HASH)),
        ("trailing garbage", (index, size, leaf, [*proof, b""], top)),
        ("trailing root", (index, size, leaf, [*proof, top], top)),
        ("trailing data", (index, size, leaf, [*proof, SOME_HASH], top)),
        ("preceding garbage", (index, size, leaf, [b"", *proof], top)),
        ("preceding root", (index, size, leaf, [top, *proof], top)),
        ("flipped leaf", (index, size, _flip(leaf, 3), proof, top)),
        ("flipped root", (index, size, leaf, proof, _flip(top, 3))),
    ]
    for i in range(len(proof)):
        for bit in (0, 3, 100, 255):
            bad = [*proof]
            bad[i] = _flip(bad[i], bit)
            cases.append((f"proof[{i}] bit {bit}", (index, size, leaf, bad, top)))
        cases.append((f"proof[{i}] extended", (index, size, leaf, _extend_one(proof, i), top)))
    if proof:
        cases.append(("removed last", (index, size, leaf, proof[:-1], top)))
        cases.append(("removed first", (index, size, leaf, proof[1:], top)))
    if len(proof) > 1:
        cases.append(("inserted", (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], top)))
    return cases


def _extend_one(proof: list[bytes], i: int) -> list[bytes]:
    bad = [*proof]
    bad[i] = bad[i] + b"\x00"
    return bad


INCLUSION_CORRUPTIONS = [
    pytest.param(*args, id=f"{index}of{size}: {desc}")
    for index, size, proof in INCLUSION
    for desc, args in _inclusion_corruptions(index, size, proof)
]


@pytest.mark.parametrize(("index", "size", "leaf", "proof", "top"), INCLUSION_CORRUPTIONS)
def test_corrupted_inclusion_rejected(
    index: int, size: int, leaf: bytes, proof: list[bytes], top: bytes
) -> None:
    assert not verify_inclusion(index, size, leaf, proof, top)


def _consistency_corruptions(
    old: int, new: int, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    r1, r2 = ROOTS[old], ROOTS[new]
    cases = [
        ("old - 1", (old - 1, new, r1, r2, proof)),
        ("old + 1", (old + 1, new, r1, r2, proof)),
        ("old ^ 2", (old ^ 2, new, r1, r2, proof)),
        ("new * 2", (old, new * 2, r1, r2, proof)),
        ("new // 2", (old, new // 2, r1, r2, proof)),
        ("wrong old root", (old, new, b"WrongRoot", r2, proof)),
        ("wrong new root", (old, new, r1, b"WrongRoot", proof)),
        ("flipped old root", (old, new, _flip(r1, 9), r2, proof)),
        ("flipped new root", (old, new, r1, _flip(r2, 9), proof)),
        ("swapped roots", (old, new, r2, r1, proof)),
        ("empty proof", (old, new, r1, r2, [])),
        ("trailing garbage", (old, new, r1, r2, [*proof, b""])),
        ("trailing old root", (old, new, r1, r2, [*proof, r1])),
        ("trailing new root", (old, new, r1, r2, [*proof, r2])),
        ("preceding garbage", (old, new, r1, r2, [b"", *proof])),
        ("preceding old root", (old, new, r1, r2, [r1, *proof])),
        ("preceding new root", (old, new, r1, r2, [r2, *proof])),
        ("preceding proof[0]", (old, new, r1, r2, [proof[0], *proof])),
        ("truncated", (old, new, r1, r2, proof[:-1])),
        ("removed first", (old, new, r1, r2, proof[1:])),
    ]
    for i in range(len(proof)):
        for bit in (0, 4, 100, 255):
            bad = [*proof]
            bad[i] = _flip(bad[i], bit)
            cases.append((f"proof[{i}] bit {bit}", (old, new, r1, r2, bad)))
        cases.append((f"proof[{i}] extended", (old, new, r1, r2, _extend_one(proof, i))))
    return cases


CONSISTENCY_CORRUPTIONS = [
    pytest.param(*args, id=f"{old}to{new}: {desc}")
    for old, new, proof in CONSISTENCY
    if proof  # as upstream: only non-trivial proofs can be damaged
    for desc, args in _consistency_corruptions(old, new, proof)
]


@pytest.mark.parametrize(("old", "new", "r1", "r2", "proof"), CONSISTENCY_CORRUPTIONS)
def test_corrupted_consistency_rejected(old: int, new: int, r1: bytes, r2: bytes, proof: list[bytes]) -> None:
    assert not verify_consistency(old, new, r1, r2, proof)


# Upstream's hand-written edge cases (cmd/proofgen staticInclusionProbes and
# singleEntryInclusionProbes), with its expectations.
DATA_HASH = leaf_hash(b"data")
Edge = tuple[int, int, bytes, bytes, list[bytes], bool]
MISMATCHED: list[Edge] = [
    (index, size, leaf, top, [], False)
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]
    for leaf, top in [(SOME_HASH, b""), (b"", EMPTY_ROOT), (SOME_HASH, EMPTY_ROOT)]
]
INCLUSION_EDGES: list[Edge] = [
    *MISMATCHED,
    (0, 1, DATA_HASH, DATA_HASH, [], True),  # one leaf: root is the leaf hash
    (0, 1, b"", DATA_HASH, [], False),
    (0, 1, DATA_HASH, b"", [], False),
    (0, 1, b"", b"", [], False),  # the RFC steps alone would accept this
    (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], False),  # the empty tree includes nothing
    (-1, 1, DATA_HASH, DATA_HASH, [], False),
]


@pytest.mark.parametrize(("index", "size", "leaf", "top", "proof", "ok"), INCLUSION_EDGES)
def test_inclusion_edge_cases(
    index: int, size: int, leaf: bytes, top: bytes, proof: list[bytes], ok: bool
) -> None:
    assert verify_inclusion(index, size, leaf, proof, top) is ok


# Upstream's staticConsistencyProbes, with its expectations, except where
# marked: upstream accepts "sizes equal (one), proof empty" with 12-byte
# placeholder roots, while warlog rejects any root that is not 32 bytes.
CARE1, CARE2 = b"don't care 1", b"don't care 2"
CONSISTENCY_EDGES: list[Edge] = [
    (0, 0, CARE1, CARE2, [], False),
    (1, 1, CARE1, CARE2, [], False),
    (0, 0, CARE1, CARE1, [], False),
    (0, 1, CARE1, CARE2, [], False),
    (1, 1, CARE2, CARE2, [], False),  # upstream: accepted
    (1, 0, CARE1, CARE2, [], False),
    (2, 1, CARE1, CARE2, [], False),
    (1, 2, CARE1, CARE2, [], False),
    (0, 0, EMPTY_ROOT, CARE2, [], False),
    (1, 1, EMPTY_ROOT, CARE2, [], False),
    (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    (0, 1, EMPTY_ROOT, CARE2, [], False),
    (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    # warlog's own empty-tree rules: the empty tree is a prefix of every
    # tree, provable with an empty proof, but only from its true root.
    (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
    (0, 1, EMPTY_ROOT, ROOTS[1], [], True),
    (0, 8, EMPTY_ROOT, ROOTS[8], [], True),
    (0, 8, ROOTS[1], ROOTS[8], [], False),
    (0, 8, EMPTY_ROOT, ROOTS[8], [ROOTS[8]], False),
    (8, 8, ROOTS[8], ROOTS[8], [], True),
    (8, 8, ROOTS[8], ROOTS[7], [], False),
    (8, 8, ROOTS[8], ROOTS[8], [ROOTS[8]], False),
    (-1, 8, EMPTY_ROOT, ROOTS[8], [], False),
]


@pytest.mark.parametrize(("old", "new", "r1", "r2", "proof", "ok"), CONSISTENCY_EDGES)
def test_consistency_edge_cases(
    old: int, new: int, r1: bytes, r2: bytes, proof: list[bytes], ok: bool
) -> None:
    assert verify_consistency(old, new, r1, r2, proof) is ok


def test_proof_generation_refuses_impossible_requests() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(0, [])
    with pytest.raises(ValueError):
        inclusion_proof(8, LEAF_HASHES)
    with pytest.raises(ValueError):
        inclusion_proof(-1, LEAF_HASHES)
    with pytest.raises(ValueError):
        consistency_proof(9, LEAF_HASHES)
    with pytest.raises(ValueError):
        consistency_proof(-1, LEAF_HASHES)
    with pytest.raises(ValueError, match="leaf hash 1"):
        root([LEAF_HASHES[0], b"raw leaf, not a hash"])
    assert consistency_proof(0, LEAF_HASHES) == []
    assert consistency_proof(0, []) == []
    assert root([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_compact_range_matches_published_edges(size: int) -> None:
    compact = CompactRange()
    for lh in LEAF_HASHES[:size]:
        compact.append(lh)
    assert compact.size == size
    assert compact.to_list() == COMPACT[size]
    assert compact.root() == ROOTS[size]


def test_compact_range_rejects_impossible_shapes() -> None:
    with pytest.raises(ValueError):
        CompactRange.from_list(3, [NODES[1][0]])  # size 3 needs two hashes
    with pytest.raises(ValueError):
        CompactRange.from_list(-1, [])
    with pytest.raises(ValueError):
        CompactRange.from_list(1, [b"short"])
    with pytest.raises(ValueError):
        CompactRange().append(b"raw leaf")


# --- (b) properties over trees of up to 64 leaves ------------------------------

MAX = 64
LEAF_HASHES_64 = [leaf_hash(i.to_bytes(2, "big") * i) for i in range(MAX)]


def _ref_mth(d: Sequence[bytes]) -> bytes:
    """Straight transcription of the RFC's recursive definitions, for comparison."""
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = 1 << (math.ceil(math.log2(len(d))) - 1)
    return node_hash(_ref_mth(d[:k]), _ref_mth(d[k:]))


def _ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1 << (math.ceil(math.log2(len(d))) - 1)
    if m < k:
        return [*_ref_path(m, d[:k]), _ref_mth(d[k:])]
    return [*_ref_path(m - k, d[k:]), _ref_mth(d[:k])]


def _ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [_ref_mth(d)]
    k = 1 << (math.ceil(math.log2(n)) - 1)
    if m <= k:
        return [*_ref_subproof(m, d[:k], b), _ref_mth(d[k:])]
    return [*_ref_subproof(m - k, d[k:], False), _ref_mth(d[:k])]


def test_every_small_proof_matches_the_rfc_recursion() -> None:
    """Exhaustive over all sizes to 64: generator equals the RFC's definition."""
    for n in range(1, MAX + 1):
        tree = LEAF_HASHES_64[:n]
        assert root(tree) == _ref_mth(tree)
        for i in range(n):
            assert inclusion_proof(i, tree) == _ref_path(i, tree)
        for m in range(1, n):
            assert consistency_proof(m, tree) == _ref_subproof(m, tree, True)


sizes = st.integers(1, MAX)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(0, n - 1)), n


@st.composite
def old_and_new(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(1, n)), n


@settings(max_examples=300, deadline=None)
@given(index_and_size())
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    i, n = case
    tree = LEAF_HASHES_64[:n]
    assert verify_inclusion(i, n, tree[i], inclusion_proof(i, tree), root(tree))


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.integers(0, MAX - 1))
def test_inclusion_proof_binds_the_index(case: tuple[int, int], j: int) -> None:
    i, n = case
    tree = LEAF_HASHES_64[:n]
    proof = inclusion_proof(i, tree)
    assert verify_inclusion(j, n, tree[i], proof, root(tree)) is (j == i)


@settings(max_examples=300, deadline=None)
@given(old_and_new())
def test_every_consistency_proof_verifies(case: tuple[int, int]) -> None:
    m, n = case
    tree = LEAF_HASHES_64[:n]
    assert verify_consistency(m, n, root(tree[:m]), root(tree), consistency_proof(m, tree))


@settings(max_examples=500, deadline=None)
@given(index_and_size(), st.data())
def test_any_flipped_bit_breaks_inclusion(case: tuple[int, int], data: st.DataObject) -> None:
    i, n = case
    tree = LEAF_HASHES_64[:n]
    leaf, proof, top = tree[i], inclusion_proof(i, tree), root(tree)
    target = data.draw(st.integers(-2, len(proof) - 1), label="target")
    bit = data.draw(st.integers(0, 255), label="bit")
    if target == -2:
        leaf = _flip(leaf, bit)
    elif target == -1:
        top = _flip(top, bit)
    else:
        proof[target] = _flip(proof[target], bit)
    assert not verify_inclusion(i, n, leaf, proof, top)


@settings(max_examples=500, deadline=None)
@given(old_and_new(), st.data())
def test_any_flipped_bit_breaks_consistency(case: tuple[int, int], data: st.DataObject) -> None:
    m, n = case
    tree = LEAF_HASHES_64[:n]
    old_root, new_root, proof = root(tree[:m]), root(tree), consistency_proof(m, tree)
    target = data.draw(st.integers(-2, len(proof) - 1), label="target")
    bit = data.draw(st.integers(0, 255), label="bit")
    if target == -2:
        old_root = _flip(old_root, bit)
    elif target == -1:
        new_root = _flip(new_root, bit)
    else:
        proof[target] = _flip(proof[target], bit)
    assert not verify_consistency(m, n, old_root, new_root, proof)


@settings(max_examples=100, deadline=None)
@given(sizes)
def test_compact_range_tracks_root_of_every_prefix(n: int) -> None:
    compact = CompactRange()
    for size in range(1, n + 1):
        compact.append(LEAF_HASHES_64[size - 1])
        want = root(LEAF_HASHES_64[:size])
        assert compact.root() == want
        assert len(compact.to_list()) <= size.bit_length()
        restored = CompactRange.from_list(compact.size, compact.to_list())
        assert restored.root() == want
        compact = restored  # keep growing the restored copy


# --- callback proofs for logs too big to hold in memory -----------------------

Lookup = Callable[[int, int], bytes]


def _store_from_appends(leaves: Sequence[bytes]) -> dict[tuple[int, int], bytes]:
    store: dict[tuple[int, int], bytes] = {}
    compact = CompactRange()
    for lh in leaves:
        for start, end, node in compact.append(lh):
            store[start, end] = node
    return store


def _strict(store: dict[tuple[int, int], bytes], calls: list[tuple[int, int]]) -> Lookup:
    def lookup(start: int, end: int) -> bytes:
        size = end - start
        assert size > 0 and size & (size - 1) == 0 and start % size == 0, (start, end)
        calls.append((start, end))
        return store[start, end]

    return lookup


def test_appends_yield_every_perfect_subtree() -> None:
    store = _store_from_appends(LEAF_HASHES_64)
    assert len(store) == 2 * MAX - 1
    for (start, end), node in store.items():
        assert node == root(LEAF_HASHES_64[start:end])


def test_callback_proofs_match_list_proofs() -> None:
    store = _store_from_appends(LEAF_HASHES_64)
    for n in range(1, MAX + 1):
        tree = LEAF_HASHES_64[:n]
        lookup = _strict(store, [])
        assert root_from(n, lookup) == root(tree)
        for i in range(n):
            assert inclusion_proof_from(i, n, lookup) == inclusion_proof(i, tree)
        for m in range(n + 1):
            assert consistency_proof_from(m, n, lookup) == consistency_proof(m, tree)
    assert root_from(0, _strict(store, [])) == EMPTY_ROOT


@cache
def _same_leaf_subtree(size: int) -> bytes:
    """A tree of identical leaves: every perfect subtree of a size has one hash."""
    if size == 1:
        return leaf_hash(b"event")
    half = _same_leaf_subtree(size // 2)
    return node_hash(half, half)


@pytest.mark.parametrize("n", [1_000_000, 2**40 + 12_345, 2**62 - 1])
def test_huge_logs_need_logarithmic_lookups(n: int) -> None:
    calls: list[tuple[int, int]] = []

    def lookup(start: int, end: int) -> bytes:
        size = end - start
        assert size & (size - 1) == 0 and start % size == 0
        calls.append((start, end))
        return _same_leaf_subtree(size)

    log_n = n.bit_length()
    head = root_from(n, lookup)
    for index in (0, n // 3, n - 1):
        calls.clear()
        proof = inclusion_proof_from(index, n, lookup)
        assert len(calls) <= 2 * log_n
        assert verify_inclusion(index, n, leaf_hash(b"event"), proof, head)
    for old in (1, n // 3, n - 1):
        calls.clear()
        proof = consistency_proof_from(old, n, lookup)
        assert len(calls) <= 3 * log_n
        assert verify_consistency(old, n, root_from(old, lookup), head, proof)


def test_compact_root_of_a_million_leaves_is_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 1_000_000
    edge = [_same_leaf_subtree(1 << k) for k in reversed(range(n.bit_length())) if n >> k & 1]
    compact = CompactRange.from_list(n, edge)
    calls = 0
    real = merkle.node_hash

    def counting(left: bytes, right: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return real(left, right)

    monkeypatch.setattr(merkle, "node_hash", counting)
    head = compact.root()
    assert calls == len(edge) - 1
    monkeypatch.undo()
    assert head == root_from(n, lambda s, e: _same_leaf_subtree(e - s))
    compact.append(leaf_hash(b"event"))
    assert compact.size == n + 1
    assert compact.root() == root_from(n + 1, lambda s, e: _same_leaf_subtree(e - s))
