"""Errors a user can cause, rendered once at the CLI edge as one line each.

Anything that is not a `WarlogError` is a bug and may raise with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class WarlogError(Exception):
    """A problem with what the user asked for; the message is the whole story."""


@dataclass(frozen=True)
class Problem:
    """One problem with one input: where it is, which field, what is wrong and how to fix it."""

    where: str  # "FILE:LINE", or a command-line option
    field: str  # dotted path inside the record, "" when the record as a whole is wrong
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.where}:{field} {self.message}"


class InvalidInput(WarlogError):
    """Every problem found in one batch of input; nothing of the batch was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(dict.fromkeys(problems))  # one line per problem, said once
        super().__init__("\n".join(str(p) for p in problems))


class NotFound(WarlogError):
    """A name or id that is not in the archive."""


class Conflict(WarlogError):
    """Another writer changed the same thing first; the command can be retried."""


class Rejected(WarlogError):
    """The domain refused a record; the importer adds where the record came from."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class Contention(Conflict):
    """Others appended to the registries meanwhile; the same command can simply run again."""
