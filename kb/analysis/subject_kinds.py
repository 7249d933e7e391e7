"""What a hotspot can be about: a module of its own so that `kb hotspots` checks --by before pandas loads."""

SUBJECT_KINDS: tuple[str, ...] = ("service", "component", "theme", "barrier")

__all__ = ["SUBJECT_KINDS"]
