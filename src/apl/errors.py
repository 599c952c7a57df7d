"""Exceptions raised by apl.

Every exception apl raises for bad input derives from :class:`APLError`, itself a
``ValueError``, so ``except ValueError`` in existing scripts keeps working. Messages say
which table (or file), which column, which row, what was found and what was expected.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APLError",
    "CommuneCodeError",
    "DataFormatError",
    "DataWarning",
    "DuplicateError",
    "MissingColumnError",
    "ValidationError",
]


class APLError(ValueError):
    """Base class of every error apl raises about its inputs."""


class ValidationError(APLError):
    """An input table or parameter does not satisfy the method's requirements.

    Attributes
    ----------
    table : str or None
        Name of the offending table (``"demand"``, ``"supply"``, ``"travel_times"``…).
    column : str or None
        Offending column.
    row : Any
        Label (index value) of the first offending row, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        row: Any = None,
    ) -> None:
        super().__init__(message)
        self.table = table
        self.column = column
        # NumPy scalars (index labels) as plain Python values: comparable, printable
        self.row = row.item() if hasattr(row, "item") and not isinstance(row, (str, bytes)) else row


class MissingColumnError(ValidationError):
    """A required column is absent."""


class DuplicateError(ValidationError):
    """A key that must be unique (commune, origin–destination pair) appears twice."""


class CommuneCodeError(ValidationError):
    """A commune code is not text, or has lost its leading zero (``1001`` for ``01001``)."""


class DataFormatError(APLError):
    """A file cannot be read as the format the loader expects.

    Attributes
    ----------
    path : str
        The file.
    line : int or None
        1-based line number in the file (header = line 1), when known.
    column : str or None
        Offending column, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column


class DataWarning(UserWarning):
    """Input that is read but looks suspicious (e.g. travel times whose median exceeds 300
    minutes: seconds given as minutes?). Turn it into an error with
    ``warnings.simplefilter("error", apl.errors.DataWarning)``."""
