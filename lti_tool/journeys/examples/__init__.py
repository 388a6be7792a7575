"""Example journeys shipped with the tool (and seeded by the demo): see docs/journey-format.md."""

from __future__ import annotations

from importlib import resources

from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.interchange import load_document

FILES = ("digital-kompetens.yaml", "collegial-learning.yaml", "formativ-bedomning.yaml")


def example_documents() -> list[JourneyDocument]:
    """The example journeys, validated."""
    folder = resources.files(__package__)
    return [load_document(folder.joinpath(name).read_text("utf-8"), name) for name in FILES]
