"""Building the tool's statements with tincan's models (xAPI 1.0.3 serialisation).

The statement id and timestamp are fixed here, when the statement is created, so that storing it
in the embedded LRS and delivering it to any number of external LRSs, with retries, is idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    Context,
    ContextActivities,
    Extensions,
    Group,
    InteractionComponent,
    InteractionComponentList,
    LanguageMap,
    Result,
    Score,
    Statement,
    Verb,
)

from xapi.profile import PROFILE

LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-US"}


@dataclass(frozen=True)
class Person:
    """Who acted: the LTI ``sub`` at a platform, and what the platform shared about them."""

    issuer: str
    sub: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class IdentifiedGroup:
    """A group that stands for a body such as an organisation or a school unit: an account at
    ``home_page`` (the tool), with no members listed."""

    home_page: str
    name: str


@dataclass(frozen=True)
class Team:
    """People working together (a group of colleagues): the statement's ``context.team``.

    An identified group (an account at ``home_page`` named by the group's stable key) that lists
    its members as agents, each under the organisation's privacy policy.
    """

    home_page: str
    name: str
    members: tuple[Person, ...]
    # The group's own name, shown only where the policy includes people's names.
    title: str | None = None


@dataclass(frozen=True)
class PrivacyPolicy:
    """Per organisation: pseudonymise the account name, and whether to include name and e-mail."""

    pseudonymise_key: bytes | None = None
    include_identity: bool = False


@dataclass(frozen=True)
class ActivityRef:
    """An activity with its names in Swedish and English and its activity type IRI."""

    iri: str
    type_iri: str
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    # For questions (cmi.interaction): choice, true-false, numeric...
    interaction_type: str | None = None
    # Choice questions: (choice id, its names by language), and the correct responses pattern.
    choices: tuple[tuple[str, dict[str, str]], ...] = ()
    correct_responses: tuple[str, ...] = ()
    # Activity definition extensions of the profile, by their key (for example ``competency``).
    extensions: dict[str, Any] = field(default_factory=dict)

    def to_tincan(self) -> Activity:
        definition = ActivityDefinition(type=self.type_iri)
        if self.interaction_type:
            definition.interaction_type = self.interaction_type
        if self.choices:
            definition.choices = InteractionComponentList(
                [
                    InteractionComponent(id=key, description=LanguageMap(_tagged(names)))
                    for key, names in self.choices
                ]
            )
        if self.correct_responses:
            definition.correct_responses_pattern = list(self.correct_responses)
        if self.extensions:
            definition.extensions = Extensions(
                {PROFILE.extension(key): value for key, value in self.extensions.items()}
            )
        if self.names:
            definition.name = LanguageMap(_tagged(self.names))
        if self.descriptions:
            definition.description = LanguageMap(_tagged(self.descriptions))
        return Activity(id=self.iri, definition=definition)


@dataclass(frozen=True)
class Situation:
    """Where the action happened: enrollment, journey, LMS course, organisation, unit, platform."""

    registration: uuid.UUID | None = None
    parents: tuple[ActivityRef, ...] = ()
    groupings: tuple[ActivityRef, ...] = ()
    # contextActivities.other: for a step's statements, the goals the step serves.
    others: tuple[ActivityRef, ...] = ()
    organization: dict[str, Any] | None = None
    unit: dict[str, Any] | None = None
    platform: dict[str, Any] | None = None
    language: str | None = None
    # Further context extensions of the profile, by their key (``journey-version``, ``role``...).
    extensions: dict[str, Any] = field(default_factory=dict)
    # The group the actor works in (``context.team``).
    team: Team | None = None


def _tagged(names: dict[str, str]) -> dict[str, str]:
    return {LANGUAGE_TAGS.get(lang, lang): text for lang, text in names.items() if text}


def actor_agent(person: Person, policy: PrivacyPolicy) -> Agent:
    """The actor as an account at the platform: homePage = issuer, name = sub (or its pseudonym)."""
    name = person.sub
    if policy.pseudonymise_key is not None:
        # A keyed hash is stable per organisation, so analysts can follow one person over time
        # without the LRS learning the platform's user id.
        name = hmac.new(policy.pseudonymise_key, person.sub.encode(), hashlib.sha256).hexdigest()
    agent = Agent(account=AgentAccount(home_page=person.issuer, name=name))
    if policy.include_identity and policy.pseudonymise_key is None and person.name:
        agent.name = person.name
    return agent


def team_group(team: Team, policy: PrivacyPolicy) -> Group:
    """``context.team``: the group's account and its members, pseudonymised when asked."""
    group = Group(
        account=AgentAccount(home_page=team.home_page, name=team.name),
        member=[actor_agent(member, policy) for member in team.members],
    )
    if team.title and policy.include_identity and policy.pseudonymise_key is None:
        group.name = team.title
    return group


def group_actor(group: IdentifiedGroup) -> Group:
    """An identified group; the privacy policy does not apply, as it names no person."""
    return Group(account=AgentAccount(home_page=group.home_page, name=group.name))


class StatementFactory:
    """Makes statements of the tool's profile; activity IRIs are minted under the base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = PROFILE

    def activity_iri(self, kind: str, *parts: str | int) -> str:
        """``<base>/xapi/activities/<kind>/<part>/...``, each part percent-encoded."""
        encoded = "/".join(quote(str(p), safe="") for p in parts)
        return f"{self.base_url}/xapi/activities/{kind}" + (f"/{encoded}" if encoded else "")

    def activity(self, type_key: str, iri: str, names: dict[str, str]) -> ActivityRef:
        return ActivityRef(iri=iri, type_iri=self.profile.activity_type(type_key), names=names)

    def build(
        self,
        *,
        person: Person | IdentifiedGroup,
        policy: PrivacyPolicy,
        verb: str,
        target: ActivityRef,
        situation: Situation,
        result: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        statement_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """A complete statement as a JSON-ready dict, with its id and timestamp set now.

        ``person`` is who acted: a person (an account at their platform, under ``policy``) or a
        group standing for an organisation or a school unit.
        """
        concept = self.profile.verbs[verb]
        extensions: dict[str, Any] = {}
        for key, value in (
            ("organization", situation.organization),
            ("unit", situation.unit),
            ("platform", situation.platform),
        ):
            if value:
                extensions[self.profile.extension(key)] = value
        for key, value in situation.extensions.items():
            extensions[self.profile.extension(key)] = value
        context = Context(
            context_activities=ContextActivities(
                category=[_category()],
                parent=[a.to_tincan() for a in situation.parents] or None,
                grouping=[a.to_tincan() for a in situation.groupings] or None,
                other=[a.to_tincan() for a in situation.others] or None,
            ),
            extensions=Extensions(extensions) if extensions else None,
        )
        if situation.registration is not None:
            context.registration = situation.registration
        if situation.team is not None:
            context.team = team_group(situation.team, policy)
        if situation.language:
            context.language = LANGUAGE_TAGS.get(situation.language, situation.language)
        statement = Statement(
            id=statement_id or uuid.uuid4(),
            timestamp=timestamp or datetime.now(UTC),
            actor=group_actor(person)
            if isinstance(person, IdentifiedGroup)
            else actor_agent(person, policy),
            verb=Verb(id=concept.iri, display=LanguageMap(concept.display())),
            object=target.to_tincan(),
            context=context,
        )
        if result:
            statement.result = _result(result)
        built: dict[str, Any] = json.loads(statement.to_json("1.0.3"))
        # The LRS sets "version"; leaving it out lets the same statement go to 1.0.3 and 2.0 LRSs.
        built.pop("version", None)
        if result and isinstance(result.get("duration"), timedelta):
            # tincan pads the fields ("PT04M12S"); whole seconds read as people write them.
            built["result"]["duration"] = iso_duration(result["duration"])
        if built["actor"].get("objectType") == "Group" and not built["actor"].get("member"):
            built["actor"].pop("member", None)  # an identified group lists no members
        return built


def iso_duration(value: timedelta) -> str:
    """An ISO 8601 duration in whole seconds: ``PT4M12S``, ``PT1H0M5S``, ``PT0S``."""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"PT{hours}H{minutes}M{seconds}S"
    if minutes:
        return f"PT{minutes}M{seconds}S"
    return f"PT{seconds}S"


def _category() -> Activity:
    category = PROFILE.category()
    return Activity(
        id=category["id"], definition=ActivityDefinition(type=category["definition"]["type"])
    )


def _result(values: dict[str, Any]) -> Result:
    result = Result()
    if "score_scaled" in values or "score_raw" in values:
        score = Score()
        for key in ("scaled", "raw", "min", "max"):
            if f"score_{key}" in values:
                setattr(score, key, values[f"score_{key}"])
        result.score = score
    for key in ("success", "completion", "response", "duration"):
        if key in values:
            setattr(result, key, values[key])
    if values.get("extensions"):
        result.extensions = Extensions(values["extensions"])
    return result
