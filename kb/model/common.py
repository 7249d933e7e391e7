"""Shared field types: UTC timestamps, slugs, local identifiers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AllowInfNan,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic import Strict as StrictType

from kb.model.documents import INT64_MAX, INT64_MIN, MAX_TEXT, MAX_YEAR, MIN_YEAR


def _timestamp_input(value: object) -> object:
    # Lax pydantic reads a number as seconds since 1970: a typo would become a date.
    if isinstance(value, bool | int | float):
        raise ValueError(f"an ISO 8601 timestamp with a zone offset, not the number {value!r}")
    return value


def _to_utc(value: datetime) -> datetime:
    # Checked before the conversion (year 1 or 9999 with an offset overflows in astimezone)
    # and after it, so that what is stored validates again when it is read back.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"a timestamp between the years {MIN_YEAR} and {MAX_YEAR} (got year {value.year})")
    # Ladybug's TIMESTAMP has no zone and silently drops offsets, so every
    # timestamp is normalised to UTC before it can reach an engine.
    utc = value.astimezone(UTC)
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"a timestamp between the years {MIN_YEAR} and {MAX_YEAR} in UTC (got {utc.isoformat()})")
    return utc


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_timestamp_input), AfterValidator(_to_utc)]
"""An ISO 8601 timestamp with a zone offset, normalised to UTC (years 1900-2200)."""

# Numbers and flags as given: no "3" -> 3, no true -> 1, within what the engines store.
Int64 = Annotated[int, StrictType(), Field(ge=INT64_MIN, le=INT64_MAX)]
Real = Annotated[float, StrictType(), AllowInfNan(False)]
Flag = Annotated[bool, StrictType()]

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A lowercase, dash-separated identifier for themes and barriers."""
    return _SLUG.sub("-", text.lower()).strip("-")


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]


def _file_name_safe(value: str) -> str:
    # Ids name files (kb export, kb import): "." and ".." would name a folder.
    if not value.strip("."):
        raise ValueError(f"an id that can name a file, not {value!r}")
    return value


LocalId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$", min_length=1, max_length=120),
    AfterValidator(_file_name_safe),
    Field(json_schema_extra={"not": {"pattern": r"^\.+$"}}),
]
NonEmpty = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
"""Text with at least one non-space character, stored as given (not stripped)."""


class Strict(BaseModel):
    """Base for packet models: unknown fields are errors, so typos are caught; text is
    stored as given (no stripping) and bounded, numbers are finite."""

    model_config = ConfigDict(extra="forbid", frozen=False, str_max_length=MAX_TEXT, allow_inf_nan=False)
