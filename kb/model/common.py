"""Shared field types: UTC timestamps, slugs, local identifiers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, StringConstraints


def _to_utc(value: datetime) -> datetime:
    # Ladybug's TIMESTAMP has no zone and silently drops offsets, so every
    # timestamp is normalised to UTC before it can reach an engine.
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An ISO 8601 timestamp with a zone offset, normalised to UTC."""

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A lowercase, dash-separated identifier for themes and barriers."""
    return _SLUG.sub("-", text.lower()).strip("-")


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
LocalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$", min_length=1, max_length=120)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class Strict(BaseModel):
    """Base for packet models: unknown fields are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)
