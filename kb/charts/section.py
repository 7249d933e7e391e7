"""What a report section returns, and what it gets: the shared context of one quarterly review.

A section is a function `(ReportContext) -> list[Chart]` registered in `kb.report.SECTIONS`.
The context computes the expensive analysis results (loop metrics, incident features,
clusters) once, on first use, so sections can share them without passing them around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from kb.analysis.clusters import ClusterResult, clusters_from_features
from kb.analysis.incident_features import IncidentFeatures, load_features
from kb.analysis.metrics import loop_metrics
from kb.charts.data import incidents_in, quarter_end

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


@dataclass
class Chart:
    """One chart of the review: the figure, a caption, and the figures behind it (a table)."""

    name: str  # file stem of its PNG/SVG and the page anchor: lower-case, dashes
    title: str
    figure: go.Figure
    caption: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class ReportContext:
    kbase: KnowledgeBase
    quarter: str

    @cached_property
    def end(self) -> pd.Timestamp:
        """The first instant after the quarter: nothing that started later is in the review."""
        return quarter_end(self.quarter)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        return loop_metrics(self.kbase, as_of=self.end.to_pydatetime())

    @cached_property
    def features(self) -> IncidentFeatures:
        features = load_features(self.kbase)
        inc = features.incidents[features.incidents["started_at"] < self.end].reset_index(drop=True)
        return IncidentFeatures(inc, features.items[features.items["incident"].isin(set(inc["incident"]))])

    @cached_property
    def clusters(self) -> ClusterResult:
        return clusters_from_features(self.kbase, self.features, now=self.end.to_pydatetime())

    @cached_property
    def in_quarter(self) -> pd.DataFrame:
        """The incidents that started in the quarter (incident, title, severity, started_at, factors)."""
        return incidents_in(self.kbase, self.quarter)
