"""Which report links may become clickable: absolute http and https URLs, nothing else.

A report's `url` is text from whoever filed it. In a page, `javascript:…`,
`data:…` or `vbscript:…` as a link's target runs when a reader clicks it, and
a relative or protocol-relative one (`//evil.example`) points wherever the page
happens to be served. So the map links a URL only when `check_url` finds
nothing wrong with it, and shows any other as plain text; the importer uses the
same function to refuse such a `url` when it is filed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
MAX_LENGTH = 2048
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`]")


def check_url(value: object) -> str | None:
    """Why `value` is not an absolute http(s) URL with a host, or None when it is one."""
    if not isinstance(value, str):
        return "must be text"
    if len(value) > MAX_LENGTH:
        return f"is longer than {MAX_LENGTH} characters"
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        shown = "a space" if bad.group(0) == " " else f"U+{ord(bad.group(0)):04X}"
        return f"holds {shown}, which a URL may not; percent-encode it"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # an impossible port raises here
    except ValueError as error:
        return f"is not a URL ({error})"
    if parts.scheme.lower() not in SCHEMES:
        return f"must start with http:// or https:// (got {_scheme(value)})"
    if not parts.hostname:
        return "names no host; give an absolute URL such as https://example.org/report"
    return None


def is_link(value: object) -> bool:
    """Whether `value` may be rendered as a clickable link."""
    return check_url(value) is None


def _scheme(value: str) -> str:
    head, colon, _ = value.partition(":")
    if colon and head and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", head):
        return f"'{head.lower()}:'"
    return "no scheme"
