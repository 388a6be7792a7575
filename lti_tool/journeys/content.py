"""The content of a journey as a validated document: the import/export format and step configs.

One pydantic model describes a journey version; the editor, the importer and the exporter all go
through it, so a journey that can be saved can be exported and imported again unchanged. The JSON
Schema of the format is generated from these models (``journey_schema()``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from lti_tool.journeys.markdown import MAX_MARKDOWN_CHARS, markdown_problem

FORMAT: Literal["lti-journeys/journey@1"] = "lti-journeys/journey@1"
EvidenceKind = Literal["text", "link", "file"]
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = ("text", "link", "file")
DEFAULT_FILE_TYPES = ("pdf", "png", "jpg", "jpeg", "docx", "pptx", "xlsx", "odt", "txt", "mp4")
MAX_QUESTIONS = 100
MAX_CHOICES = 20
MAX_FILE_MB = 20  # the app refuses larger request bodies (LTI_JOURNEYS_LRS_MAX_BODY_BYTES)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _key() -> str:
    return str(uuid.uuid4())


Key = Annotated[
    str,
    Field(
        default_factory=_key,
        min_length=1,
        max_length=36,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Stable identifier (kept across versions; used in xAPI activity IRIs).",
    ),
]
Title = Annotated[str, Field(min_length=1, max_length=300)]


def _within_render_budget(text: str) -> str:
    problem = markdown_problem(text)
    if problem:
        raise ValueError(problem)
    return text


Markdown = Annotated[
    str,
    Field(default="", max_length=MAX_MARKDOWN_CHARS, description="Markdown text."),
    AfterValidator(_within_render_budget),
]


class Choice(_Model):
    key: Key
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    correct: bool = False
    feedback: Annotated[str, Field(max_length=2000)] = ""


class Question(_Model):
    """A question of a knowledge check.

    ``single`` and ``multiple`` use ``choices``; ``true_false`` uses ``answer`` (true/false);
    ``numeric`` uses ``answer`` (a number) and ``tolerance``.
    """

    key: Key
    kind: Literal["single", "multiple", "true_false", "numeric"]
    prompt: Annotated[str, Field(min_length=1, max_length=5000)]
    choices: list[Choice] = Field(default_factory=list, max_length=MAX_CHOICES)
    answer: bool | float | None = None
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    feedback_correct: Annotated[str, Field(max_length=2000)] = ""
    feedback_incorrect: Annotated[str, Field(max_length=2000)] = ""

    @model_validator(mode="after")
    def _check_kind(self) -> Question:
        if self.kind in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError(f"a {self.kind}-choice question needs at least two choices")
            correct = sum(1 for c in self.choices if c.correct)
            if self.kind == "single" and correct != 1:
                raise ValueError("a single-choice question needs exactly one correct choice")
            if self.kind == "multiple" and correct < 1:
                raise ValueError("a multiple-choice question needs at least one correct choice")
            keys = [c.key for c in self.choices]
            if len(set(keys)) != len(keys):
                raise ValueError("choice keys must be unique within a question")
        elif self.kind == "true_false":
            if not isinstance(self.answer, bool):
                raise ValueError("a true/false question needs answer: true or false")
        elif isinstance(self.answer, bool) or self.answer is None:
            raise ValueError("a numeric question needs a number as answer")
        return self


class ContentConfig(_Model):
    type: Literal["content"] = "content"
    body: Markdown


class ReflectionConfig(_Model):
    type: Literal["reflection"] = "reflection"
    prompt: Markdown
    min_length: Annotated[int, Field(ge=1, le=10_000)] = 1


class KnowledgeCheckConfig(_Model):
    type: Literal["knowledge_check"] = "knowledge_check"
    intro: Markdown
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    mastery_score: Annotated[float, Field(gt=0, le=1)] = 0.8
    max_attempts: Annotated[int | None, Field(ge=1, le=100)] = None

    @field_validator("questions")
    @classmethod
    def _unique_keys(cls, questions: list[Question]) -> list[Question]:
        keys = [q.key for q in questions]
        if len(set(keys)) != len(keys):
            raise ValueError("question keys must be unique within a knowledge check")
        return questions


class PracticeConfig(_Model):
    type: Literal["practice"] = "practice"
    instructions: Markdown
    evidence_kinds: list[EvidenceKind] = Field(
        default_factory=lambda: list(EVIDENCE_KINDS), min_length=1
    )
    file_types: list[Annotated[str, Field(pattern=r"^[a-z0-9]{1,10}$")]] = Field(
        default_factory=lambda: list(DEFAULT_FILE_TYPES)
    )
    max_file_mb: Annotated[int, Field(ge=1, le=MAX_FILE_MB)] = 10


class LiveSessionConfig(_Model):
    """A live session (träff): the meeting's purpose here; its occurrences are scheduled per
    course by its facilitators (``collegial.models.Occurrence``)."""

    type: Literal["live_session"] = "live_session"
    description: Markdown
    duration_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    # Learners may check themselves in with the code shown in the room.
    self_check_in: bool = True
    # How long before the start the check-in code is accepted (it is accepted until the end).
    check_in_opens_minutes: Annotated[int, Field(ge=0, le=240)] = 15


PhaseKind = Literal["prepare", "meet", "practice", "follow_up"]
PHASE_KINDS: tuple[PhaseKind, ...] = ("prepare", "meet", "practice", "follow_up")


class ProtocolTurn(_Model):
    """One timed turn of a meeting's talk protocol (e.g. "clarifying questions", 5 minutes)."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    minutes: Annotated[int, Field(ge=1, le=180)]
    # Who speaks: a role of the protocol ("presenter", "the group"...), as the author names it.
    speaker: Annotated[str, Field(max_length=200)] = ""
    guidance: Annotated[str, Field(max_length=2000)] = ""


class CyclePhase(_Model):
    """A phase of a collegial cycle; an empty title reads as the kind's own name."""

    key: Key
    kind: PhaseKind
    title: Annotated[str, Field(max_length=300)] = ""
    instructions: Markdown
    # prepare: the individual reflection's minimum length.
    reflection_min_length: Annotated[int, Field(ge=1, le=10_000)] = 1
    # meet: the roles and timed turns of the talk protocol.
    roles: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=10
    )
    protocol: list[ProtocolTurn] = Field(default_factory=list, max_length=20)
    # practice: what evidence members may give (as in a practice task).
    evidence_kinds: list[EvidenceKind] = Field(
        default_factory=lambda: list(EVIDENCE_KINDS), min_length=1
    )
    file_types: list[Annotated[str, Field(pattern=r"^[a-z0-9]{1,10}$")]] = Field(
        default_factory=lambda: list(DEFAULT_FILE_TYPES)
    )
    max_file_mb: Annotated[int, Field(ge=1, le=MAX_FILE_MB)] = 10


def default_phases() -> list[CyclePhase]:
    """Prepare, meet (a collegial supervision round), try in practice, follow up together."""
    supervision = [
        {"title": "Presentation", "minutes": 5, "speaker": "Presenter"},
        {"title": "Clarifying questions", "minutes": 5, "speaker": "Colleagues"},
        {"title": "Reflection without the presenter", "minutes": 10, "speaker": "Colleagues"},
        {"title": "Response", "minutes": 5, "speaker": "Presenter"},
    ]
    return [
        CyclePhase.model_validate({"kind": "prepare"}),
        CyclePhase.model_validate(
            {
                "kind": "meet",
                "roles": ["Presenter", "Facilitator", "Colleagues"],
                "protocol": supervision,
            }
        ),
        CyclePhase.model_validate({"kind": "practice"}),
        CyclePhase.model_validate({"kind": "follow_up"}),
    ]


class CollegialCycleConfig(_Model):
    """A collegial learning cycle run by a group through its phases, in order."""

    type: Literal["collegial_cycle"] = "collegial_cycle"
    intro: Markdown
    phases: list[CyclePhase] = Field(default_factory=default_phases, min_length=1, max_length=8)
    # Each member gives feedback on at least one colleague's practice evidence.
    peer_feedback_required: bool = True
    feedback_strengths: Annotated[int, Field(ge=0, le=5)] = 2
    feedback_next_steps: Annotated[int, Field(ge=0, le=5)] = 1

    @field_validator("phases")
    @classmethod
    def _unique_phase_keys(cls, phases: list[CyclePhase]) -> list[CyclePhase]:
        keys = [p.key for p in phases]
        if len(set(keys)) != len(keys):
            raise ValueError("phase keys must be unique within a collegial cycle")
        return phases

    @model_validator(mode="after")
    def _feedback_has_parts(self) -> CollegialCycleConfig:
        if self.peer_feedback_required and self.feedback_strengths + self.feedback_next_steps < 1:
            raise ValueError("required peer feedback needs at least one strength or next step")
        if self.peer_feedback_required and not any(p.kind == "practice" for p in self.phases):
            raise ValueError("peer feedback is given on practice evidence: add a practice phase")
        return self


StepConfig = Annotated[
    ContentConfig
    | ReflectionConfig
    | KnowledgeCheckConfig
    | PracticeConfig
    | LiveSessionConfig
    | CollegialCycleConfig,
    Field(discriminator="type"),
]


class StepDocument(_Model):
    key: Key
    title: Title
    goals: list[str] = Field(
        default_factory=list, description="Keys of the goals or sub-goals this step works towards."
    )
    content: StepConfig


class SectionDocument(_Model):
    key: Key
    title: Title
    description: Markdown
    steps: list[StepDocument] = Field(default_factory=list, max_length=500)


class SubGoalDocument(_Model):
    key: Key
    title: Title
    description: Markdown
    competency: Annotated[
        str | None, Field(max_length=500, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
    ] = None
    levels: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list,
        description="Descriptors of the four levels of the self-assessment (empty: the defaults).",
    )

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, levels: list[str]) -> list[str]:
        if levels and len(levels) != 4:
            raise ValueError("give all four level descriptors, or none")
        return levels


class GoalDocument(SubGoalDocument):
    subgoals: list[SubGoalDocument] = Field(default_factory=list)


class JourneyDocument(_Model):
    """One journey version, as imported, exported and edited."""

    format: Literal["lti-journeys/journey@1"] = FORMAT
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, description="Short name, used in links.")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Markdown
    language: Literal["sv", "en"] = "sv"
    estimated_minutes: Annotated[int | None, Field(ge=1, le=100_000)] = None
    shared: bool = Field(
        default=False, description="Offer it in the library of every organisation."
    )
    mastery_policy: Literal["waive", "optional"] = "waive"
    mastery_level: Annotated[int, Field(ge=1, le=4)] = 3
    goals: list[GoalDocument] = Field(default_factory=list, max_length=100)
    sections: list[SectionDocument] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _check_references(self) -> JourneyDocument:
        goal_keys = [g.key for g in self.goals] + [s.key for g in self.goals for s in g.subgoals]
        if len(set(goal_keys)) != len(goal_keys):
            raise ValueError("goal and sub-goal keys must be unique")
        known = set(goal_keys)
        step_keys: list[str] = []
        section_keys = [s.key for s in self.sections]
        if len(set(section_keys)) != len(section_keys):
            raise ValueError("section keys must be unique")
        for section in self.sections:
            for step in section.steps:
                step_keys.append(step.key)
                unknown = [g for g in step.goals if g not in known]
                if unknown:
                    raise ValueError(
                        f"step {step.title!r} names unknown goal key(s): {', '.join(unknown)}"
                    )
        if len(set(step_keys)) != len(step_keys):
            raise ValueError("step keys must be unique")
        return self


def parse_step_config(step_type: str, config: dict[str, Any]) -> StepConfig:
    """The validated config of a stored step (raises ``pydantic.ValidationError``)."""
    wrapper = StepDocument.model_validate(
        {"key": "x", "title": "x", "content": {**config, "type": step_type}}
    )
    return wrapper.content


def journey_schema() -> dict[str, Any]:
    """The JSON Schema of the journey format."""
    schema = JourneyDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://lti-journeys.org/schema/journey-1.json"
    return schema
