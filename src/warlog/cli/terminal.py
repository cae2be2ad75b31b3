"""Text from the archive made safe to print on a terminal.

Names, quotes, archivists and error messages come from whoever wrote the
input. An ESC or OSC sequence printed raw can recolour, retitle or rewrite a
terminal, hide the lines before it, or plant a link; so every C0 and C1 control
character (and DEL) except the newline of a multi-line message is shown as a
visible escape (`\\x1b`), and so are the bidirectional overrides and isolates
(`\\u202e`), which make a line read in another order than it is written.
"""

from __future__ import annotations

import re

_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(rf"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
_CONTROLS_AND_NEWLINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character escaped; newlines kept only when asked."""
    pattern = _CONTROLS if newlines else _CONTROLS_AND_NEWLINE
    if not pattern.search(text):
        return text
    return pattern.sub(_escaped, text)
