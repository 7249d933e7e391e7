"""Lint configuration: kb.toml or [tool.incident-kb.check] in pyproject.toml, validated with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.lint import RULES, ConfigError, Level, LintConfig, find_config, load_config, read_config


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    cfg = load_config(start=tmp_path)
    s = cfg.settings(RULES["action-item-proliferation"])
    assert cfg.source is None and s.enabled and s.level is Level.WARNING and s.options == {"max_items": 10}


def test_kb_toml_sets_switch_level_and_threshold(tmp_path: Path) -> None:
    write(
        tmp_path / "kb.toml",
        """
[check.rules.action-item-proliferation]
max_items = 6
level = "error"
[check.rules.no-provocateur]
enabled = false
""",
    )
    cfg = load_config(start=tmp_path)
    s = cfg.settings(RULES["action-item-proliferation"])
    assert (s.level, s.options["max_items"]) == (Level.ERROR, 6)
    assert not cfg.settings(RULES["no-provocateur"]).enabled
    assert cfg.settings(RULES["late-packet"]).options == {"sla_hours": 24}


def test_pyproject_section_found_from_a_subfolder(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.incident-kb.check.rules.late-packet]\nsla_hours = 48\n',
    )
    sub = tmp_path / "reviews" / "2025"
    sub.mkdir(parents=True)
    assert find_config(sub) == tmp_path / "pyproject.toml"
    assert load_config(start=sub).settings(RULES["late-packet"]).options == {"sla_hours": 48}


def test_a_pyproject_without_the_section_is_skipped_and_kb_toml_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None
    write(tmp_path / "kb.toml", "[check]\n")
    assert find_config(tmp_path) == tmp_path / "kb.toml"
    assert read_config(tmp_path / "kb.toml").overrides == {}


def test_float_threshold_accepts_an_int_and_list_options_stay_lists(tmp_path: Path) -> None:
    cfg = read_config(write(tmp_path / "kb.toml", '[check.rules.incomplete-packet]\nrequired = ["timeline"]\n'))
    assert cfg.settings(RULES["incomplete-packet"]).options == {"required": ["timeline"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[check.rules.no-such-rule]\nenabled = false\n", "check.rules.no-such-rule: unknown rule; expected one of"),
        (
            "[check.rules.late-packet]\nsla = 3\n",
            "check.rules.late-packet.sla: unknown setting; expected one of enabled, level, sla_hours",
        ),
        (
            '[check.rules.late-packet]\nlevel = "fatal"\n',
            "check.rules.late-packet.level: expected error, warning or info",
        ),
        ('[check.rules.late-packet]\nenabled = "no"\n', "check.rules.late-packet.enabled: expected true or false"),
        ('[check.rules.late-packet]\nsla_hours = "24"\n', "check.rules.late-packet.sla_hours: expected int"),
        ("[check]\ndisable = []\n", "check.disable: unknown key"),
        ("[check.rules\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "kb.toml", text)
    with pytest.raises(ConfigError) as err:
        read_config(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_config_object_can_be_built_in_code() -> None:
    cfg = LintConfig({"missing-tags": {"level": "info"}})
    assert cfg.settings(RULES["missing-tags"]).level is Level.INFO
