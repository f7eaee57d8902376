"""The base of every model of the file formats (extractions, protocol, vocabulary, search log)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base of every model: unknown fields are errors, and no type is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
