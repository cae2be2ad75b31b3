"""RFC 9162 §2.1 Merkle tree hashing for the append-only event log.

The archive's promise is that nothing once published is silently rewritten.
A Merkle tree turns that promise into something a reader can check: a
signed root commits to every event up to a size, an inclusion proof shows
one event sits under that root, and a consistency proof shows a later root
only appended to an earlier one.

Everything here is pure: no I/O, no clock, no storage. The log store
decides where hashes live; this module decides what they are. Hashing is
SHA-256 with the RFC's 0x00/0x01 prefixes, which keep a leaf from ever being
passed off as an interior node (the second-preimage attack on naive trees).

Proofs come in two flavours. The list-based ones take every leaf hash and
suit tests and small logs. The ``*_from`` ones take a ``subtree_hash(start,
end)`` callback that is only ever asked for perfect, aligned subtrees
(``end - start`` a power of two and ``start`` a multiple of it), so a store
that keeps those hashes answers any proof in O(log n) look-ups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]
"""``subtree_hash(start, end)`` → hash of the perfect subtree over leaves [start, end)."""


def leaf_hash(leaf: bytes) -> bytes:
    """Hash a leaf; the 0x00 prefix separates leaves from interior nodes."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children; the 0x01 prefix separates interior nodes from leaves."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n ≥ 2): where MTH splits."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _check_leaf_hashes(leaf_hashes: Sequence[bytes]) -> None:
    # Passing raw leaves where leaf hashes are expected is the classic slip;
    # it would yield a well-formed but meaningless root, so refuse it loudly.
    for i, h in enumerate(leaf_hashes):
        if not _is_hash(h):
            raise ValueError(f"leaf hash {i} is not a {HASH_SIZE}-byte hash")


def _list_subtree_hash(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    def subtree_hash(start: int, end: int) -> bytes:
        return _mth(leaf_hashes, start, end)

    return subtree_hash


def _mth(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    if end - start == 1:
        return leaf_hashes[start]
    k = _split(end - start)
    return node_hash(_mth(leaf_hashes, start, start + k), _mth(leaf_hashes, start + k, end))


def _range_hash(start: int, end: int, subtree_hash: SubtreeHash) -> bytes:
    """MTH of leaves [start, end) for a range that occurs in the tree's recursion.

    Such a range splits into perfect subtrees, largest first, following the
    binary digits of its size, and its MTH is their right-to-left fold. Each
    piece starts at a multiple of its own size, so the callback is only ever
    asked for aligned perfect subtrees.
    """
    pieces: list[bytes] = []
    while start < end:
        size = 1 << ((end - start).bit_length() - 1)
        pieces.append(subtree_hash(start, start + size))
        start += size
    acc = pieces.pop()
    while pieces:
        acc = node_hash(pieces.pop(), acc)
    return acc


def root_from(size: int, subtree_hash: SubtreeHash) -> bytes:
    """Tree head for the first ``size`` leaves, from stored subtree hashes."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return EMPTY_ROOT if size == 0 else _range_hash(0, size, subtree_hash)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 §2.1.1) over already-hashed leaves."""
    _check_leaf_hashes(leaf_hashes)
    return EMPTY_ROOT if not leaf_hashes else _mth(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof_from(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, walked top-down without recursion.

    The RFC lists siblings from the leaf upwards, so the top-down walk is
    reversed at the end.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_range_hash(lo + k, hi, subtree_hash))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, subtree_hash))
            lo += k
    path.reverse()
    return path


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) over every leaf hash of the tree."""
    _check_leaf_hashes(leaf_hashes)
    return inclusion_proof_from(index, len(leaf_hashes), _list_subtree_hash(leaf_hashes))


def consistency_proof_from(old_size: int, new_size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1, walked top-down.

    The RFC defines the proof for 0 < old_size < new_size; for old_size of
    0 or new_size there is nothing to prove and the proof is empty, which is
    what ``verify_consistency`` expects in those cases.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []
    lo, hi = 0, new_size
    old_root_known = True  # the RFC's flag b: the old root is the verifier's own
    while old_size != hi:
        k = _split(hi - lo)
        if old_size <= lo + k:
            path.append(_range_hash(lo + k, hi, subtree_hash))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, subtree_hash))
            lo += k
            old_root_known = False
    if not old_root_known:
        path.append(_range_hash(lo, hi, subtree_hash))
    path.reverse()
    return path


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) over every leaf hash of the newer tree."""
    _check_leaf_hashes(leaf_hashes)
    return consistency_proof_from(old_size, len(leaf_hashes), _list_subtree_hash(leaf_hashes))


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step for step, plus a length check on every hash.

    The length check matters: the RFC algorithm alone would accept an empty
    "hash" as both leaf and root of a one-leaf tree.
    """
    if not 0 <= index < size:
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False  # more proof than tree
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, with the cases the RFC leaves outside its algorithm.

    The algorithm covers 0 < old_size < new_size. Equal sizes are consistent
    only as the same tree: empty proof, equal roots. The empty tree is a
    prefix of every tree, so old_size 0 is consistent with an empty proof,
    provided old_root really is the empty tree's root.
    """
    if not 0 <= old_size <= new_size:
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and all(_is_hash(p) for p in proof)):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)  # the old tree is a perfect subtree of the new one
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # more proof than tree
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class CompactRange:
    """The right edge of a growing tree: one hash per set bit of its size.

    This is all a log writer needs to extend the tree and compute its head,
    so appending and ``root()`` cost O(log n) however long the log grows,
    and the state is small enough to persist alongside each checkpoint.
    Hashes run left to right, largest subtree first.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the perfect subtrees it completed as (start, end, hash).

        The leaf itself comes first, then each merged parent. A store that
        saves these can later serve ``subtree_hash`` look-ups for the
        ``*_from`` proof functions without rehashing anything.
        """
        if not _is_hash(leaf_hash):
            raise ValueError(f"leaf hash is not a {HASH_SIZE}-byte hash")
        start, end, h = self._size, self._size + 1, leaf_hash
        completed = [(start, end, h)]
        pending = self._size
        while pending & 1:
            h = node_hash(self._hashes.pop(), h)
            start -= end - start
            completed.append((start, end, h))
            pending >>= 1
        self._hashes.append(h)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """Tree head of everything appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        acc = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            acc = node_hash(h, acc)
        return acc

    def to_list(self) -> list[bytes]:
        """The edge hashes, for storage; ``size`` must be stored with them."""
        return list(self._hashes)

    @classmethod
    def from_list(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild from ``size`` and ``to_list()``, refusing shapes that cannot occur."""
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} edge hashes, not {len(hashes)}")
        if not all(_is_hash(h) for h in hashes):
            raise ValueError(f"edge hashes must be {HASH_SIZE}-byte hashes")
        compact = cls()
        compact._size = size
        compact._hashes = list(hashes)
        return compact
