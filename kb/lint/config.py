"""Lint configuration: per-rule on/off, level and thresholds from kb.toml or pyproject.toml.

# kb.toml                               # pyproject.toml
[check.rules.action-item-proliferation] [tool.incident-kb.check.rules.late-packet]
max_items = 8                           sla_hours = 48
[check.rules.no-provocateur]            level = "error"
enabled = false
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.analysis.policy import DEFAULT_POLICY, PolicyError, SeverityPolicy
from kb.lint.model import Level
from kb.lint.policy_file import kb_toml_home, parse_policy
from kb.lint.registry import RULES, Rule

_RESERVED = ("enabled", "level")


class ConfigError(ValueError):
    """A config file the lint cannot use; the message names the file, the field and what was expected."""


@dataclass(frozen=True)
class RuleSettings:
    enabled: bool
    level: Level
    options: Mapping[str, Any]


@dataclass(frozen=True)
class LintConfig:
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    policy: SeverityPolicy = DEFAULT_POLICY
    """Which rules and packet sections apply to which severity ([policy.SEVn], kb.analysis.policy)."""

    def settings(self, rule: Rule) -> RuleSettings:
        raw = self.overrides.get(rule.id, {})
        level = Level(raw["level"]) if "level" in raw else rule.level
        options = {**rule.options, **{k: v for k, v in raw.items() if k not in _RESERVED}}
        return RuleSettings(bool(raw.get("enabled", True)), level, options)


def _validate(table: Any, file: Path, prefix: str) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {prefix}: expected a table of rules")
    out: dict[str, dict[str, Any]] = {}
    for rule_id, raw in table.items():
        where = f"{prefix}.{rule_id}"
        if rule_id not in RULES:
            raise ConfigError(f"{file}: {where}: unknown rule; expected one of {', '.join(sorted(RULES))}")
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: {where}: expected a table (enabled, level, thresholds)")
        rule = RULES[rule_id]
        for key, value in raw.items():
            if key == "enabled" and not isinstance(value, bool):
                raise ConfigError(f"{file}: {where}.enabled: expected true or false (got {value!r})")
            elif key == "level" and value not in {lv.value for lv in Level}:
                raise ConfigError(f"{file}: {where}.level: expected error, warning or info (got {value!r})")
            elif key not in _RESERVED:
                if key not in rule.options:
                    known = ", ".join(["enabled", "level", *rule.options])
                    raise ConfigError(f"{file}: {where}.{key}: unknown setting; expected one of {known}")
                default = rule.options[key]
                if type(value) is not type(default) and not (isinstance(default, float) and type(value) is int):
                    raise ConfigError(
                        f"{file}: {where}.{key}: expected {type(default).__name__} like {default!r} (got {value!r})"
                    )
        out[rule_id] = dict(raw)
    return out


def read_config(path: str | Path) -> LintConfig:
    """Read one file: kb.toml ([check.rules.*]) or pyproject.toml ([tool.incident-kb.check.rules.*])."""
    file = Path(path)
    home, base = kb_toml_home(file, ConfigError)
    section, prefix = home.get("check", {}), f"{base}check"
    if not isinstance(section, dict):
        raise ConfigError(f"{file}: {prefix}: expected a table")
    unknown = sorted(set(section) - {"rules"})
    if unknown:
        raise ConfigError(f"{file}: {prefix}.{unknown[0]}: unknown key; expected rules.RULE-ID tables")
    policy_table = home.get("policy")
    try:
        policy = parse_policy(policy_table, file, f"{base}policy") if policy_table is not None else DEFAULT_POLICY
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    return LintConfig(_validate(section.get("rules", {}), file, f"{prefix}.rules"), file, policy)


def find_config(start: str | Path | None = None) -> Path | None:
    """The nearest kb.toml, else the nearest pyproject.toml with [tool.incident-kb.check], from `start` upwards."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "kb.toml").is_file():
            return folder / "kb.toml"
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError:
                continue
            if "check" in data.get("tool", {}).get("incident-kb", {}):
                return pyproject
    return None


def load_config(path: str | Path | None = None, start: str | Path | None = None) -> LintConfig:
    """`path` if given, else the nearest config file, else the defaults."""
    found = Path(path) if path is not None else find_config(start)
    return read_config(found) if found is not None else LintConfig()
