"""Fresh archive locations derived from a test's `db`, for tests that need many archives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse
from uuid import uuid4

import psycopg


@contextmanager
def fresh(db: str) -> Iterator[str]:
    """A new, empty location on the same backend as `db`, removed afterwards."""
    if not db.startswith("postgresql://"):
        path = Path(db).with_name(f"{uuid4().hex}.db")
        yield str(path)
        return
    url = urlparse(db)
    schema = f"t_{uuid4().hex}"
    conninfo = (
        f"host={url.hostname} port={url.port or 5432} dbname={url.path.lstrip('/')} "
        f"user={url.username or 'postgres'}"
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield db.split("?", 1)[0] + f"?schema={schema}"
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
