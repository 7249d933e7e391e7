"""A deterministic synthetic demo corpus: Event Packets, a roadmap, and the ground truth planted in them."""

from kb.demo.generator import generate_corpus
from kb.demo.output import write_corpus
from kb.demo.truth import (
    DemoCorpus,
    GenerationParams,
    GroundTruth,
    NearDuplicate,
    PlantedCluster,
    PlantedRepeat,
    RoadmapEntry,
    RoadmapTruth,
)

__all__ = [
    "DemoCorpus",
    "GenerationParams",
    "GroundTruth",
    "NearDuplicate",
    "PlantedCluster",
    "PlantedRepeat",
    "RoadmapEntry",
    "RoadmapTruth",
    "generate_corpus",
    "write_corpus",
]
