"""Where a recorded number was printed: the ``source`` of every row (its location, document and quote)."""

from __future__ import annotations

from pydantic import Field

from .base import Strict
from .codes import Identifier, Text


class Quote(Strict):
    """Further printed words backing the same row, from another place (or document)."""

    location: Text = Field(description="where these words are printed: 'table 2', 'results, p. 4'")
    document: Identifier | None = Field(default=None, description="id in curation.documents (default: the source's)")
    quote: Text = Field(description="the printed words, verbatim")


class Source(Strict):
    """Where a number or statement was printed. A row with a ``quote`` prints each of its
    numbers in it, or in ``quotes`` (words printed elsewhere: the events in table 2)."""

    location: Text = Field(description="where it is printed: 'abstract', 'table 2', 'figure 1', 'p. 1309'")
    document: Identifier | None = Field(
        default=None, description="id of the document in curation.documents (default: the first one)"
    )
    quote: Text | None = Field(default=None, description="the printed words, verbatim")
    quotes: list[Quote] = Field(
        default_factory=list,
        description="further verbatim quotes printing the same row's numbers elsewhere, each with its location",
    )
