"""The review lint: rules that catch the antipatterns that keep post-mortems from changing anything.

Rules are pure functions of an Event Packet (plus a few cross-incident facts in a
LintContext), registered in kb.lint.registry.RULES by the family modules imported here.
"""

from kb.lint import actions, blame, completeness, defensible, graveyard, participation, root_cause, structure
from kb.lint.config import ConfigError, LintConfig, find_config, load_config, read_config
from kb.lint.model import Hit, Level, LintContext, LintFinding
from kb.lint.registry import RULES, Rule
from kb.lint.runner import LintReport, lint_graph, lint_kept, lint_packet, lint_packets

FAMILY_MODULES = (root_cause, actions, participation, graveyard, blame, completeness, defensible, structure)

__all__ = [
    "RULES",
    "ConfigError",
    "Hit",
    "Level",
    "LintConfig",
    "LintContext",
    "LintFinding",
    "LintReport",
    "Rule",
    "find_config",
    "lint_graph",
    "lint_kept",
    "lint_packet",
    "lint_packets",
    "load_config",
    "read_config",
]

# Present rules family by family, in the order above (registration order follows imports).
_ORDER = [m.FAMILY for m in FAMILY_MODULES]
_SORTED = sorted(RULES.values(), key=lambda r: _ORDER.index(r.family))
RULES.clear()
RULES.update((r.id, r) for r in _SORTED)
