"""A framework as a validated document: what the YAML and CASE readers produce and writers take.

Both file formats go through ``FrameworkDocument``, so the importer sees one shape whatever the
file was. ``settle`` checks what pydantic cannot (unique IRIs, the size and depth of the tree) and
mints the IRIs a file leaves out, from the framework IRI and the competence code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lti_tool.frameworks.models import CODE_LENGTH, IRI_LENGTH, TITLE_LENGTH
from lti_tool.validation import InvalidInputError

FORMAT: Literal["lti-journeys/framework@1"] = "lti-journeys/framework@1"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_COMPETENCES = 5000
MAX_DEPTH = 8
MAX_LEVELS = 20
MAX_TEXT = 5000


class FrameworkFileError(InvalidInputError):
    """A framework file that cannot be imported; ``problems`` lists each with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"{source}: {problems[0]}")
            return
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problems\n{listing}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


IRI = Annotated[
    str, Field(min_length=3, max_length=IRI_LENGTH, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$")
]
Code = Annotated[str, Field(max_length=CODE_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*$")]


class Texts(_Model):
    """A text in Swedish and English (either may be empty)."""

    sv: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    en: Annotated[str, Field(max_length=MAX_TEXT)] = ""


class Title(_Model):
    """A title in Swedish and English; at least one is given."""

    sv: Annotated[str, Field(max_length=TITLE_LENGTH)] = ""
    en: Annotated[str, Field(max_length=TITLE_LENGTH)] = ""

    @model_validator(mode="after")
    def _one_language(self) -> Title:
        if not self.sv and not self.en:
            raise ValueError("give the title in Swedish (sv) or English (en), or both")
        return self


class LevelDocument(_Model):
    """A progression level such as A1, with its name and descriptor."""

    code: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")]
    name: Texts = Field(default_factory=Texts)
    descriptor: Texts = Field(default_factory=Texts)


class CompetenceDocument(_Model):
    """A competence (or an area that groups competences)."""

    code: Code = ""
    iri: IRI | None = Field(default=None, description="Minted from the framework IRI and the code.")
    title: Title
    description: Texts = Field(default_factory=Texts)
    competences: list[CompetenceDocument] = Field(default_factory=list)


class FrameworkDocument(_Model):
    """One competency framework, as imported and exported."""

    format: Literal["lti-journeys/framework@1"] = FORMAT
    iri: IRI
    title: Title
    version: Annotated[str, Field(max_length=CODE_LENGTH)] = ""
    source: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    licence: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    levels: list[LevelDocument] = Field(default_factory=list, max_length=MAX_LEVELS)
    competences: list[CompetenceDocument] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, levels: list[LevelDocument]) -> list[LevelDocument]:
        codes = [level.code for level in levels]
        if len(set(codes)) != len(codes):
            raise ValueError("level codes must be unique")
        return levels


def walk(
    competences: list[CompetenceDocument], path: str = "competences", depth: int = 1
) -> Iterator[tuple[CompetenceDocument, str, int]]:
    """Every competence of a tree in document order, with its path and depth (1 = top)."""
    for index, competence in enumerate(competences):
        here = f"{path}[{index}]"
        yield competence, here, depth
        yield from walk(competence.competences, f"{here}.competences", depth + 1)


def count(document: FrameworkDocument) -> int:
    return sum(1 for _ in walk(document.competences))


def settle(document: FrameworkDocument) -> list[str]:
    """Mint missing IRIs and return every problem of the tree (duplicates, size, depth)."""
    problems: list[str] = []
    total = count(document)
    if total > MAX_COMPETENCES:
        return [f"competences: {total} competences, more than {MAX_COMPETENCES}"]
    seen: dict[str, str] = {}
    base = document.iri.rstrip("/")
    for competence, path, depth in walk(document.competences):
        if depth > MAX_DEPTH:
            problems.append(f"{path}: nested more than {MAX_DEPTH} levels deep")
            continue
        if competence.iri is None:
            if not competence.code:
                problems.append(f"{path}: give an iri or a code (the IRI is minted from the code)")
                continue
            competence.iri = f"{base}/{quote(competence.code, safe='.-_~')}"
        if competence.iri in seen:
            problems.append(
                f"{path}.iri: {competence.iri} is also the IRI of {seen[competence.iri]}"
            )
        else:
            seen[competence.iri] = path
    return problems
