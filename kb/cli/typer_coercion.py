"""typer's option coercion without pydantic for plain values (kb.cli installs it): `kb stats` under 0.5 s.

typer 0.2x coerces every option value through a pydantic TypeAdapter, so any command with an
option imported pydantic (~70 ms CPU) before it ran. The plain cases (text, a path without
checks, an enum member or its exact value, a flag, a whole number or a float within its bounds)
are coerced here as typer's adapter would; anything else (a bad value, one out of bounds, a
list) still goes to typer.
This module imports typer's private coercion module: with a typer that has none (older
versions coerce through click, without pydantic) importing it fails and nothing is patched.
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer.core
from typer import _coercion
from typer.models import ParameterInfo

_UNSET = object()


def plain_value(annotation: Any, info: ParameterInfo, value: Any) -> Any:
    """`value` coerced to `annotation` when the case is one typer's adapter treats plainly,
    else _UNSET (the caller then asks typer)."""
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return _UNSET
    if annotation is str and isinstance(value, str):
        return value
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if isinstance(value, annotation):
            return value
        for member in annotation:  # exact values only: other spellings get typer's own handling and message
            if isinstance(value, str) and value == str(member.value):
                return member
        return _UNSET
    if annotation is Path:
        checked = info.exists or info.resolve_path or info.allow_dash or info.path_type is not None
        if checked or not (info.file_okay and info.dir_okay) or info.writable:
            return _UNSET
        if not isinstance(value, str | Path) or not str(value):
            return _UNSET
        if info.readable and os.path.exists(value) and not os.access(value, os.R_OK):
            return _UNSET  # typer says "... is not readable"
        return Path(value)
    if annotation is bool and isinstance(value, bool):  # a flag: click gives a bool already
        return value
    if annotation is int and not info.clamp:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            number = int(value)
        if number is not None and _within(number, info):
            return number  # out of bounds: typer's message
    if annotation is float and not info.clamp and isinstance(value, float) and not math.isnan(value):
        return value if _within(value, info) else _UNSET
    return _UNSET


def _within(number: float, info: ParameterInfo) -> bool:
    """Inside the option's bounds (`kb similar -k` has min=1): typer's adapter returns such a value as is."""
    return (info.min is None or number >= info.min) and (info.max is None or number <= info.max)


@dataclass(frozen=True)
class PlainRuntimeParam(_coercion.RuntimeParam):
    """typer's coercion for one parameter, with the plain cases done without pydantic."""

    descriptor: _coercion.TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        coerced = plain_value(self.annotation, self.parameter_info, value)
        if coerced is not _UNSET:
            return coerced
        return _coercion.build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)


def _runtime_param(self: typer.core._TyperParameter) -> _coercion.RuntimeParam:
    if self._runtime_param is None:
        d = self.type_descriptor
        if d.file_annotation is None:
            self._runtime_param = PlainRuntimeParam(d.parameter_info, d.annotation, d)
        else:
            self._runtime_param = _coercion.build_runtime_param(d)
    return self._runtime_param


def patch() -> None:
    typer.core._TyperParameter.get_runtime_param = _runtime_param  # type: ignore[method-assign]
