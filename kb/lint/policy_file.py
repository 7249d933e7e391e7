"""Reading the severity policy from kb.toml ([policy.SEVn] tables); the policy itself is
kb.analysis.policy (the gate and metrics apply it; rule names are checked against the lint registry)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from kb.analysis.policy import (
    DEFAULT_POLICY,
    PARTS,
    SEVERITIES,
    PolicyError,
    SeverityPolicy,
    _defaults,
    nearest_kb_toml,
)


def parse_policy(table: Any, file: Path, prefix: str = "policy") -> SeverityPolicy:
    """[policy.SEVn] tables -> a policy (levels not named keep their defaults)."""
    from kb.lint.registry import RULES  # the registry imports the rule modules

    if not isinstance(table, dict):
        raise PolicyError(f"{file}: {prefix}: expected a table of SEV1..SEV5 tables")
    levels = dict(_defaults())
    for name, raw in table.items():
        where = f"{prefix}.{name}"
        if not (
            isinstance(name, str)
            and name.upper().startswith("SEV")
            and name[3:].isdigit()
            and int(name[3:]) in SEVERITIES
        ):
            raise PolicyError(f"{file}: {where}: expected a severity SEV1 .. SEV5")
        if not isinstance(raw, dict):
            raise PolicyError(f"{file}: {where}: expected a table (sections, rules, gate, due_days)")
        sev = int(name[3:])
        level = levels[sev]
        for key, value in raw.items():
            if key == "sections":
                if not (isinstance(value, list) and all(v in PARTS for v in value)):
                    raise PolicyError(
                        f"{file}: {where}.sections: expected a list of {', '.join(PARTS)} (got {value!r})"
                    )
                level = replace(level, sections=tuple(value))
            elif key == "rules":
                bad = [v for v in value if v not in RULES] if isinstance(value, list) else [value]
                if bad:
                    raise PolicyError(
                        f"{file}: {where}.rules: expected a list of rule ids such as blame-language (got {bad[0]!r})"
                    )
                level = replace(level, rules=tuple(value))
            elif key == "gate":
                if not isinstance(value, bool):
                    raise PolicyError(f"{file}: {where}.gate: expected true or false (got {value!r})")
                level = replace(level, gate=value)
            elif key == "due_days":
                if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                    raise PolicyError(
                        f"{file}: {where}.due_days: expected a positive whole number of days (got {value!r})"
                    )
                level = replace(level, due_days=value)
            else:
                raise PolicyError(f"{file}: {where}.{key}: unknown setting; expected sections, rules, gate or due_days")
        levels[sev] = level
    return SeverityPolicy(levels, file)


def kb_toml_home(file: Path, error: type[ValueError]) -> tuple[dict[str, Any], str]:
    """The settings of a kb.toml (its top level) or of a pyproject.toml ([tool.incident-kb]), and
    the prefix that names their tables in messages; an unreadable file raises `error`."""
    import tomllib

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{file}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{file}: not valid TOML: {exc}") from None
    if file.name == "pyproject.toml":
        return data.get("tool", {}).get("incident-kb", {}), "tool.incident-kb."
    return data, ""


def read_policy(path: str | Path) -> SeverityPolicy:
    """The [policy] of a kb.toml (or [tool.incident-kb.policy] of a pyproject.toml); defaults without one."""
    file = Path(path)
    home, base = kb_toml_home(file, PolicyError)
    table = home.get("policy")
    return parse_policy(table, file, f"{base}policy") if table is not None else SeverityPolicy(source=file)


def load_policy(path: str | Path | None = None, start: str | Path | None = None) -> SeverityPolicy:
    """`path` if given, else the nearest kb.toml (upwards from `start`), else the defaults."""
    if path is None:
        path = nearest_kb_toml(start)
    return read_policy(path) if path is not None else DEFAULT_POLICY
