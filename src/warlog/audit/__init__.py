"""The audit side: what lets someone who does not trust the operator check the log.

Leaves and the Merkle tree (`merkle`), signed checkpoints (`checkpoint`), the archive's and
archivists' keys (`keyring`), and verification and proofs over the stored events (`ledger`).
"""
