"""One exception hierarchy; the CLI turns any :class:`SecondHCTError` into a message and exit 1."""


class SecondHCTError(Exception):
    """Base class for every error the tool reports to a user (never a traceback)."""


class ProjectNotFoundError(SecondHCTError):
    """No project root (a folder holding ``references.bib`` and ``studies/``) was found."""


class ScaffoldError(SecondHCTError):
    """``secondhct new`` cannot create the extraction (missing entry, existing file...)."""


class InputError(SecondHCTError):
    """An input file for a calculation (a CSV for ``secondhct pool``) is malformed."""


class PoolingError(SecondHCTError):
    """A meta-analysis cannot be computed from the data given (the message says why)."""
