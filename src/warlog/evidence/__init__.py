"""Evidence beside the log: attached files, chain of custody, packages, and sealed text.

The log stays the one record of what happened; this package keeps what must
not live in it. Attached files go to a content-addressed store beside the
archive, and only their hash enters an event. Sensitive text (`attributed_to`,
`quote`, `note`) enters events sealed under field keys kept outside the log,
so destroying a key redacts the text while every leaf, signature, checkpoint
and proof, which cover the sealed bytes, still verifies.
"""
