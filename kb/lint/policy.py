"""Process scaled to severity: which packet sections, lint rules and gate requirements apply to which severity,
and how long a follow-up may take.

    # kb.toml
    [policy.SEV5]                       # a typo fix: no machinery
    sections = []                       # packet parts incomplete-packet requires (default: all five)
    rules = ["blame-language"]          # the only lint rules that apply (default: all)
    gate = false                        # the integration gate does not apply (default: true)
    due_days = 365                      # follow-up deadline: days after the analysis is published

Without a [policy] table the defaults below apply: SEV1-4 get everything (due in 30, 60, 90 and 180
days); SEV5 gets only the blame-language rules, no required sections, no gate, 365 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kb.lint.completeness import PARTS

SEVERITIES = (1, 2, 3, 4, 5)
DEFAULT_DUE_DAYS: dict[int, int] = {1: 30, 2: 60, 3: 90, 4: 180, 5: 365}
LANGUAGE_RULES = ("blame-language", "chain-ends-at-person")


class PolicyError(ValueError):
    """A policy the tools cannot use; the message names the file, the field and what was expected."""


@dataclass(frozen=True)
class SeverityRules:
    sections: tuple[str, ...] = PARTS
    rules: tuple[str, ...] | None = None
    """Lint rules that apply; None: all."""
    gate: bool = True
    due_days: int = 90

    def applies(self, rule_id: str) -> bool:
        return self.rules is None or rule_id in self.rules


def _defaults() -> dict[int, SeverityRules]:
    out = {s: SeverityRules(due_days=DEFAULT_DUE_DAYS[s]) for s in SEVERITIES}
    out[5] = SeverityRules(sections=(), rules=LANGUAGE_RULES, gate=False, due_days=DEFAULT_DUE_DAYS[5])
    return out


@dataclass(frozen=True)
class SeverityPolicy:
    levels: Mapping[int, SeverityRules] = field(default_factory=_defaults)
    source: Path | None = None

    def for_severity(self, severity: object) -> SeverityRules:
        """The rules for a severity (1-5); anything else gets the strictest (SEV1)."""
        try:
            sev = int(severity)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            sev = 1
        return self.levels.get(sev, self.levels[1])


DEFAULT_POLICY = SeverityPolicy()


def parse_policy(table: Any, file: Path, prefix: str = "policy") -> SeverityPolicy:
    """[policy.SEVn] tables -> a policy (levels not named keep their defaults)."""
    from kb.lint.registry import RULES  # the registry imports the rule modules

    if not isinstance(table, dict):
        raise PolicyError(f"{file}: {prefix}: expected a table of SEV1..SEV5 tables")
    levels = dict(_defaults())
    for name, raw in table.items():
        where = f"{prefix}.{name}"
        if not (isinstance(name, str) and name.upper().startswith("SEV") and name[3:].isdigit()
                and int(name[3:]) in SEVERITIES):
            raise PolicyError(f"{file}: {where}: expected a severity SEV1 .. SEV5")
        if not isinstance(raw, dict):
            raise PolicyError(f"{file}: {where}: expected a table (sections, rules, gate, due_days)")
        sev = int(name[3:])
        level = levels[sev]
        for key, value in raw.items():
            if key == "sections":
                if not (isinstance(value, list) and all(v in PARTS for v in value)):
                    raise PolicyError(f"{file}: {where}.sections: expected a list of {', '.join(PARTS)} "
                                      f"(got {value!r})")
                level = replace(level, sections=tuple(value))
            elif key == "rules":
                bad = [v for v in value if v not in RULES] if isinstance(value, list) else [value]
                if bad:
                    raise PolicyError(f"{file}: {where}.rules: expected a list of rule ids such as "
                                      f"blame-language (got {bad[0]!r})")
                level = replace(level, rules=tuple(value))
            elif key == "gate":
                if not isinstance(value, bool):
                    raise PolicyError(f"{file}: {where}.gate: expected true or false (got {value!r})")
                level = replace(level, gate=value)
            elif key == "due_days":
                if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                    raise PolicyError(f"{file}: {where}.due_days: expected a positive whole number of days "
                                      f"(got {value!r})")
                level = replace(level, due_days=value)
            else:
                raise PolicyError(f"{file}: {where}.{key}: unknown setting; expected sections, rules, gate "
                                  "or due_days")
        levels[sev] = level
    return SeverityPolicy(levels, file)


def read_policy(path: str | Path) -> SeverityPolicy:
    """The [policy] of a kb.toml (or [tool.incident-kb.policy] of a pyproject.toml); defaults without one."""
    import tomllib

    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{file}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{file}: not valid TOML: {exc}") from None
    if file.name == "pyproject.toml":
        table, prefix = data.get("tool", {}).get("incident-kb", {}).get("policy"), "tool.incident-kb.policy"
    else:
        table, prefix = data.get("policy"), "policy"
    return parse_policy(table, file, prefix) if table is not None else SeverityPolicy(source=file)


def load_policy(path: str | Path | None = None, start: str | Path | None = None) -> SeverityPolicy:
    """`path` if given, else the nearest kb.toml (upwards from `start`), else the defaults."""
    if path is None:
        here = Path(start or Path.cwd()).resolve()
        path = next((f / "kb.toml" for f in (here, *here.parents) if (f / "kb.toml").is_file()), None)
    return read_policy(path) if path is not None else DEFAULT_POLICY
