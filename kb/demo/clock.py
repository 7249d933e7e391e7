"""Quarters and local clocks: the demo's notion of time, independent of the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache


@dataclass(frozen=True)
class Horizon:
    """The simulated period: `quarters` calendar quarters from `start`; `end` is 'now' for the demo."""

    start: datetime
    end: datetime
    quarters: int

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def fraction(self, at: datetime) -> float:
        """Position of `at` in the period, 0 at the start and 1 at the end."""
        return min(1.0, max(0.0, (at - self.start).total_seconds() / 86400 / self.days))

    def at_fraction(self, fraction: float) -> datetime:
        return self.start + timedelta(days=self.days * fraction)

    def quarter_index(self, at: datetime) -> int:
        """0-based index of the quarter that `at` falls in, clamped to the period."""
        months = (at.year - self.start.year) * 12 + at.month - self.start.month
        return min(self.quarters - 1, max(0, months // 3))


def add_months(at: datetime, months: int) -> datetime:
    total = at.month - 1 + months
    return at.replace(year=at.year + total // 12, month=total % 12 + 1, day=min(at.day, 28))


def make_horizon(start: date, quarters: int) -> Horizon:
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return Horizon(begin, add_months(begin, 3 * quarters), quarters)


def quarter_label(at: datetime | date) -> str:
    """Calendar quarter in the model's "2025Q3" form."""
    return f"{at.year}Q{(at.month - 1) // 3 + 1}"


def shift_quarter(label: str, by: int) -> str:
    year, q = int(label[:4]), int(label[5]) - 1 + by
    return f"{year + q // 4}Q{q % 4 + 1}"


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@cache
def _eu_bounds(year: int) -> tuple[datetime, datetime]:
    # EU rule: summer time from 01:00 UTC on the last Sunday of March to the last Sunday of October.
    begin = datetime.combine(_last_sunday(year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return begin, end


@cache
def _us_bounds(year: int) -> tuple[datetime, datetime]:
    # US rule: second Sunday of March to first Sunday of November, at 02:00 local (07:00 / 06:00 UTC).
    march = date(year, 3, 1)
    begin_day = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
    nov = date(year, 11, 1)
    end_day = nov + timedelta(days=(6 - nov.weekday()) % 7)
    begin = datetime.combine(begin_day, datetime.min.time(), UTC) + timedelta(hours=7)
    end = datetime.combine(end_day, datetime.min.time(), UTC) + timedelta(hours=6)
    return begin, end


def _eu_summer(at: datetime) -> bool:
    begin, end = _eu_bounds(at.year)
    return begin <= at < end


def _us_summer(at: datetime) -> bool:
    begin, end = _us_bounds(at.year)
    return begin <= at < end


ZONE_RULES = ("Europe/Copenhagen", "Europe/London", "America/New_York", "UTC")


_OFFSETS = {h: timezone(timedelta(hours=h)) for h in (-5, -4, 0, 1, 2)}


def local_offset(zone: str, at: datetime) -> timezone:
    """The fixed offset a team's clock shows at `at` (hand-rolled DST rules: no tzdata needed)."""
    if zone == "Europe/Copenhagen":
        return _OFFSETS[2 if _eu_summer(at) else 1]
    if zone == "Europe/London":
        return _OFFSETS[1 if _eu_summer(at) else 0]
    if zone == "America/New_York":
        return _OFFSETS[-4 if _us_summer(at) else -5]
    return UTC


def localise(at: datetime, zone: str) -> datetime:
    """The same instant written with the zone's offset, as a responder's tool would record it (whole seconds)."""
    return at.replace(microsecond=0).astimezone(local_offset(zone, at))


def quarter_of_index(horizon: Horizon, index: int) -> str:
    """Calendar-quarter label of the horizon's `index`-th quarter (0-based)."""
    return quarter_label(add_months(horizon.start, 3 * index))
