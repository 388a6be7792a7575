"""Strict validation of xAPI statements, by the rules of xAPI 1.0.3 or xAPI 2.0.0 (IEEE 9274.1.1).

Every failure raises ``BadRequestError`` with a message that names the property and the rule, e.g.
``statement.actor.mbox must be a mailto: IRI``. Nothing here touches the database.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NoReturn

from xapi.lrs.agents import ifi_key
from xapi.lrs.errors import BadRequestError

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
)
# The interaction component lists each interactionType supports (xAPI 1.0.3 part 2, 2.4.4.1).
COMPONENT_LISTS = {
    "choices": ("choice", "sequencing"),
    "scale": ("likert",),
    "source": ("matching",),
    "target": ("matching",),
    "steps": ("performance",),
}
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
# Sizes of the indexed columns: longer identifiers are refused rather than truncated.
MAX_IRI = 1000
MAX_IFI = 600

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
_MBOX_RE = re.compile(r"^mailto:[^@\s:/?#]+@[^@\s/?#]+$")
_SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2_RE = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$")
_MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")
_VERSION_103_RE = re.compile(r"^1\.0(\.\d+)?$")
_VERSION_2_RE = re.compile(r"^(1\.0|2\.0)(\.\d+)?$")
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION_RE = re.compile(
    rf"^P(?:{_NUM}W|(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)$"
)
_TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
# RFC 5646 language tags (langtag, private use and the grandfathered tags).
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"
    rf"(?:-(?:{_ALNUM}{{5,8}}|\d{_ALNUM}{{3}}))*"
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"
)
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|"
    "i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|"
    "zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_LANGUAGE_RE = re.compile(
    rf"^(?:{_LANGTAG}|[xX](?:-{_ALNUM}{{1,8}})+|{_GRANDFATHERED})$", re.IGNORECASE
)

STATEMENT_KEYS = frozenset(
    (
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    )
)
SUBSTATEMENT_KEYS = frozenset(
    ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
)
AGENT_KEYS = frozenset(("objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"))
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
ACCOUNT_KEYS = frozenset(("homePage", "name"))
VERB_KEYS = frozenset(("id", "display"))
ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
DEFINITION_KEYS = frozenset(
    (
        "name",
        "description",
        "type",
        "moreInfo",
        "interactionType",
        "correctResponsesPattern",
        "extensions",
        *COMPONENT_LISTS,
    )
)
COMPONENT_KEYS = frozenset(("id", "description"))
STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))
CONTEXT_KEYS = frozenset(
    (
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    )
)
CONTEXT_KEYS_V2 = CONTEXT_KEYS | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITIES_KEYS = frozenset(CONTEXT_ACTIVITY_KEYS)
CONTEXT_AGENT_KEYS = frozenset(("objectType", "agent", "relevantTypes"))
CONTEXT_GROUP_KEYS = frozenset(("objectType", "group", "relevantTypes"))
ATTACHMENT_KEYS = frozenset(
    ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
)

# Strings already matched against the IRI and language tag patterns: statements repeat the same
# verbs, activity types, home pages and language tags, and a dict lookup is cheaper than a regex.
_CACHE_LIMIT = 8192
_IRI_CACHE: dict[str, bool] = {}
_LANGUAGE_CACHE: dict[str, bool] = {}


def _cached_match(cache: dict[str, bool], pattern: re.Pattern[str], value: str) -> bool:
    known = cache.get(value)
    if known is None:
        known = pattern.match(value) is not None
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[value] = known
    return known


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def is_iri(value: object) -> bool:
    return isinstance(value, str) and _cached_match(_IRI_CACHE, _IRI_RE, value)


def is_language_tag(value: object) -> bool:
    return isinstance(value, str) and _cached_match(_LANGUAGE_CACHE, _LANGUAGE_RE, value)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_timestamp(value: object, *, require_timezone: bool = False) -> datetime:
    """An ISO 8601 / RFC 3339 date-time as an aware UTC datetime; ``ValueError`` when invalid."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    match = _TIMESTAMP_RE.match(value)
    if match is None:
        raise ValueError("not an ISO 8601 date and time")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset is None:
        if require_timezone:
            raise ValueError("no time zone")
        tz: timezone = UTC
    elif offset in ("Z", "z"):
        tz = UTC
    else:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if offset[0] == "-" and hours == 0 and minutes == 0:
            raise ValueError("the offset -00:00 is not allowed")
        if hours > 23 or minutes > 59:
            raise ValueError("invalid offset")
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-delta if offset[0] == "-" else delta)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        parsed = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
        )
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


class StatementValidator:
    """Validates statements for one xAPI version; ``validate`` raises ``BadRequestError``."""

    def __init__(self, version: str) -> None:
        self.v2 = version.startswith("2.")

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def fail(message: str) -> NoReturn:
        raise BadRequestError(message)

    def obj(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{path} must be a JSON object, not {_type_name(value)}.")
        return value

    def keys(self, value: dict[str, Any], allowed: frozenset[str], path: str) -> None:
        if allowed.issuperset(value) and None not in value.values():
            return
        for key, item in value.items():
            if key not in allowed:
                self.fail(
                    f"{path} has the property {key!r}, which the xAPI specification does not "
                    f"define there (properties are case sensitive)."
                )
            if item is None:
                self.fail(f"{path}.{key} must not be null.")

    def required(self, value: dict[str, Any], key: str, path: str) -> Any:
        if key not in value:
            self.fail(f"{path}.{key} is required.")
        return value[key]

    def string(self, value: object, path: str, *, non_empty: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(f"{path} must be a string, not {_type_name(value)}.")
        if non_empty and not value:
            self.fail(f"{path} must not be an empty string.")
        return value

    def iri(self, value: object, path: str, kind: str = "IRI", max_length: int = 0) -> str:
        text = self.string(value, path)
        if not is_iri(text):
            self.fail(f"{path} must be an absolute {kind} (scheme:...), got {text[:100]!r}.")
        if max_length and len(text) * 4 > max_length and len(text.encode("utf-8")) > max_length:
            self.fail(f"{path} is longer than {max_length} bytes (UTF-8).")
        return text

    def uuid(self, value: object, path: str) -> str:
        text = self.string(value, path)
        if not is_uuid(text):
            self.fail(f"{path} must be a UUID (8-4-4-4-12 hexadecimal digits), got {text[:60]!r}.")
        return text

    def number(self, value: object, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path} must be a number, not {_type_name(value)}.")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.fail(f"{path} is out of range.")
        return number

    def boolean(self, value: object, path: str) -> None:
        if not isinstance(value, bool):
            self.fail(f"{path} must be a boolean (true or false), not {_type_name(value)}.")

    def language_map(self, value: object, path: str) -> None:
        mapping = self.obj(value, path)
        for tag, text in mapping.items():
            if not is_language_tag(tag):
                self.fail(f"{path} has the key {tag!r}, which is not an RFC 5646 language tag.")
            if text is None:
                self.fail(f"{path}[{tag!r}] must not be null.")
            self.string(text, f"{path}[{tag!r}]")

    def extensions(self, value: object, path: str) -> None:
        mapping = self.obj(value, path)
        for key in mapping:
            if not is_iri(key):
                self.fail(f"{path} has the key {key[:100]!r}, which is not an IRI.")

    def timestamp(self, value: object, path: str) -> None:
        if not isinstance(value, str):
            self.fail(f"{path} must be an ISO 8601 timestamp string, not {_type_name(value)}.")
        try:
            parse_timestamp(value, require_timezone=self.v2)
        except ValueError as exc:
            extra = " (xAPI 2.0 requires a time zone offset or Z)" if self.v2 else ""
            self.fail(f"{path} is not a valid ISO 8601 timestamp{extra}: {exc} ({value[:60]!r}).")

    # -- actors -------------------------------------------------------------------------------
    def agent(self, value: object, path: str, *, group_allowed: bool = True) -> dict[str, Any]:
        actor = self.obj(value, path)
        object_type = actor.get("objectType", "Agent")
        if object_type == "Group":
            if not group_allowed:
                self.fail(f"{path} must be an Agent, not a Group.")
            self.group(actor, path)
            return actor
        if object_type != "Agent":
            self.fail(f'{path}.objectType must be "Agent" or "Group", got {object_type!r}.')
        self.keys(actor, AGENT_KEYS, path)
        ifis = [k for k in IFI_KEYS if k in actor]
        if len(ifis) != 1:
            self.fail(
                f"{path} must have exactly one inverse functional identifier (mbox, "
                f"mbox_sha1sum, openid or account); it has {len(ifis)}."
            )
        self._actor_common(actor, path)
        return actor

    def group(self, group: dict[str, Any], path: str) -> None:
        self.keys(group, GROUP_KEYS, path)
        if group.get("objectType") != "Group":
            self.fail(f'{path}.objectType must be "Group".')
        ifis = [k for k in IFI_KEYS if k in group]
        if len(ifis) > 1:
            self.fail(
                f"{path} must have at most one inverse functional identifier; it has {len(ifis)}."
            )
        if not ifis and "member" not in group:
            self.fail(f"{path} is an anonymous Group and must have a member list.")
        if "member" in group:
            members = group["member"]
            if not isinstance(members, list):
                self.fail(f"{path}.member must be an array of Agents, not {_type_name(members)}.")
            for i, member in enumerate(members):
                self.agent(member, f"{path}.member[{i}]", group_allowed=False)
        self._actor_common(group, path)

    def _actor_common(self, actor: dict[str, Any], path: str) -> None:
        if "name" in actor:
            self.string(actor["name"], f"{path}.name")
        if "mbox" in actor:
            mbox = self.string(actor["mbox"], f"{path}.mbox")
            if not _MBOX_RE.match(mbox):
                self.fail(f"{path}.mbox must be a mailto: IRI with an e-mail address.")
        if "mbox_sha1sum" in actor:
            sha1 = self.string(actor["mbox_sha1sum"], f"{path}.mbox_sha1sum")
            if not _SHA1_RE.match(sha1):
                self.fail(f"{path}.mbox_sha1sum must be 40 hexadecimal digits (SHA-1).")
        if "openid" in actor:
            self.iri(actor["openid"], f"{path}.openid", "URI")
        if "account" in actor:
            account = self.obj(actor["account"], f"{path}.account")
            self.keys(account, ACCOUNT_KEYS, f"{path}.account")
            self.iri(
                self.required(account, "homePage", f"{path}.account"),
                f"{path}.account.homePage",
                "IRL",
            )
            self.string(self.required(account, "name", f"{path}.account"), f"{path}.account.name")
        key = ifi_key(actor)
        if key is not None and len(key.encode("utf-8")) > MAX_IFI:
            self.fail(
                f"{path} has an inverse functional identifier longer than {MAX_IFI} bytes (UTF-8)."
            )

    # -- verb, objects ------------------------------------------------------------------------
    def verb(self, value: object, path: str) -> str:
        verb = self.obj(value, path)
        self.keys(verb, VERB_KEYS, path)
        verb_id = self.iri(self.required(verb, "id", path), f"{path}.id", max_length=MAX_IRI)
        if "display" in verb:
            self.language_map(verb["display"], f"{path}.display")
        return verb_id

    def activity(self, value: object, path: str) -> None:
        activity = self.obj(value, path)
        self.keys(activity, ACTIVITY_KEYS, path)
        if activity.get("objectType", "Activity") != "Activity":
            self.fail(f'{path}.objectType must be "Activity".')
        self.iri(self.required(activity, "id", path), f"{path}.id", max_length=MAX_IRI)
        if "definition" in activity:
            self.definition(activity["definition"], f"{path}.definition")

    def definition(self, value: object, path: str) -> None:
        definition = self.obj(value, path)
        self.keys(definition, DEFINITION_KEYS, path)
        for key in ("name", "description"):
            if key in definition:
                self.language_map(definition[key], f"{path}.{key}")
        if "type" in definition:
            self.iri(definition["type"], f"{path}.type")
        if "moreInfo" in definition:
            self.iri(definition["moreInfo"], f"{path}.moreInfo", "IRL")
        if "extensions" in definition:
            self.extensions(definition["extensions"], f"{path}.extensions")
        interaction = definition.get("interactionType")
        if "interactionType" in definition and interaction not in INTERACTION_TYPES:
            self.fail(
                f"{path}.interactionType must be one of {', '.join(INTERACTION_TYPES)} "
                f"(case sensitive), got {interaction!r}."
            )
        if "correctResponsesPattern" in definition:
            if interaction is None:
                self.fail(f"{path}.correctResponsesPattern needs an interactionType.")
            pattern = definition["correctResponsesPattern"]
            if not isinstance(pattern, list):
                self.fail(f"{path}.correctResponsesPattern must be an array of strings.")
            for i, item in enumerate(pattern):
                self.string(item, f"{path}.correctResponsesPattern[{i}]")
        for key, types in COMPONENT_LISTS.items():
            if key not in definition:
                continue
            if interaction not in types:
                self.fail(
                    f"{path}.{key} is only allowed with interactionType "
                    f"{' or '.join(types)}, not {interaction!r}."
                )
            components = definition[key]
            if not isinstance(components, list):
                self.fail(f"{path}.{key} must be an array of interaction components.")
            seen: set[str] = set()
            for i, component in enumerate(components):
                cpath = f"{path}.{key}[{i}]"
                item = self.obj(component, cpath)
                self.keys(item, COMPONENT_KEYS, cpath)
                cid = self.string(self.required(item, "id", cpath), f"{cpath}.id", non_empty=True)
                if cid in seen:
                    self.fail(f"{path}.{key} has the id {cid!r} twice; ids must be distinct.")
                seen.add(cid)
                if "description" in item:
                    self.language_map(item["description"], f"{cpath}.description")

    def statement_ref(self, value: dict[str, Any], path: str) -> None:
        self.keys(value, STATEMENT_REF_KEYS, path)
        if value.get("objectType") != "StatementRef":
            self.fail(f'{path}.objectType must be "StatementRef".')
        self.uuid(self.required(value, "id", path), f"{path}.id")

    def statement_object(self, value: object, path: str, *, in_substatement: bool) -> str:
        target = self.obj(value, path)
        object_type = target.get("objectType", "Activity")
        if object_type == "Activity":
            self.activity(target, path)
        elif object_type in ("Agent", "Group"):
            self.agent(target, path)
        elif object_type == "StatementRef":
            self.statement_ref(target, path)
        elif object_type == "SubStatement":
            if in_substatement:
                self.fail(f"{path} is a SubStatement inside a SubStatement, which is not allowed.")
            self.substatement(target, path)
        else:
            self.fail(
                f"{path}.objectType must be Activity, Agent, Group, StatementRef or SubStatement "
                f"(case sensitive), got {object_type!r}."
            )
        return str(object_type)

    # -- result, context ------------------------------------------------------------------------
    def result(self, value: object, path: str) -> None:
        result = self.obj(value, path)
        self.keys(result, RESULT_KEYS, path)
        if "score" in result:
            self.score(result["score"], f"{path}.score")
        for key in ("success", "completion"):
            if key in result:
                self.boolean(result[key], f"{path}.{key}")
        if "response" in result:
            self.string(result["response"], f"{path}.response")
        if "duration" in result:
            duration = self.string(result["duration"], f"{path}.duration")
            if not _DURATION_RE.match(duration):
                self.fail(
                    f"{path}.duration must be an ISO 8601 duration (e.g. PT1H30M), got {duration[:40]!r}."
                )
        if "extensions" in result:
            self.extensions(result["extensions"], f"{path}.extensions")

    def score(self, value: object, path: str) -> None:
        score = self.obj(value, path)
        self.keys(score, SCORE_KEYS, path)
        values = {
            k: self.number(score[k], f"{path}.{k}")
            for k in ("scaled", "raw", "min", "max")
            if k in score
        }
        if "scaled" in values and not -1 <= values["scaled"] <= 1:
            self.fail(f"{path}.scaled must be between -1 and 1.")
        if "min" in values and "max" in values and values["min"] >= values["max"]:
            self.fail(f"{path}.min must be less than {path}.max.")
        if "raw" in values:
            if "min" in values and values["raw"] < values["min"]:
                self.fail(f"{path}.raw must not be less than {path}.min.")
            if "max" in values and values["raw"] > values["max"]:
                self.fail(f"{path}.raw must not be greater than {path}.max.")

    def context(self, value: object, path: str, object_type: str) -> None:
        context = self.obj(value, path)
        self.keys(context, CONTEXT_KEYS_V2 if self.v2 else CONTEXT_KEYS, path)
        if "registration" in context:
            self.uuid(context["registration"], f"{path}.registration")
        if "instructor" in context:
            self.agent(context["instructor"], f"{path}.instructor")
        if "team" in context:
            team = self.obj(context["team"], f"{path}.team")
            if team.get("objectType") != "Group":
                self.fail(f'{path}.team must be a Group (objectType "Group").')
            self.group(team, f"{path}.team")
        if "contextActivities" in context:
            activities = self.obj(context["contextActivities"], f"{path}.contextActivities")
            self.keys(activities, CONTEXT_ACTIVITIES_KEYS, f"{path}.contextActivities")
            for key, item in activities.items():
                kpath = f"{path}.contextActivities.{key}"
                if isinstance(item, list):
                    for i, activity in enumerate(item):
                        self.activity(activity, f"{kpath}[{i}]")
                else:
                    self.activity(item, kpath)
        for key in ("revision", "platform"):
            if key in context:
                self.string(context[key], f"{path}.{key}")
                if object_type != "Activity":
                    self.fail(
                        f"{path}.{key} is only allowed when the object is an Activity "
                        f"(here it is {object_type})."
                    )
        if "language" in context:
            language = self.string(context["language"], f"{path}.language")
            if not is_language_tag(language):
                self.fail(
                    f"{path}.language must be an RFC 5646 language tag, got {language[:40]!r}."
                )
        if "statement" in context:
            self.statement_ref(
                self.obj(context["statement"], f"{path}.statement"), f"{path}.statement"
            )
        if "extensions" in context:
            self.extensions(context["extensions"], f"{path}.extensions")
        for key, kind, inner, entry_keys in (
            ("contextAgents", "contextAgent", "agent", CONTEXT_AGENT_KEYS),
            ("contextGroups", "contextGroup", "group", CONTEXT_GROUP_KEYS),
        ):
            if key not in context:
                continue
            items = context[key]
            if not isinstance(items, list):
                self.fail(f"{path}.{key} must be an array of {kind} objects.")
            for i, item in enumerate(items):
                ipath = f"{path}.{key}[{i}]"
                entry = self.obj(item, ipath)
                self.keys(entry, entry_keys, ipath)
                if entry.get("objectType") != kind:
                    self.fail(f'{ipath}.objectType must be "{kind}".')
                member = self.required(entry, inner, ipath)
                if inner == "agent":
                    self.agent(member, f"{ipath}.agent", group_allowed=False)
                else:
                    group = self.obj(member, f"{ipath}.group")
                    if group.get("objectType") != "Group":
                        self.fail(f'{ipath}.group must be a Group (objectType "Group").')
                    self.group(group, f"{ipath}.group")
                if "relevantTypes" in entry:
                    types = entry["relevantTypes"]
                    if not isinstance(types, list) or not types:
                        self.fail(f"{ipath}.relevantTypes must be a non-empty array of IRIs.")
                    for j, iri in enumerate(types):
                        self.iri(iri, f"{ipath}.relevantTypes[{j}]")

    def attachments(self, value: object, path: str) -> None:
        if not isinstance(value, list):
            self.fail(f"{path} must be an array of Attachment objects, not {_type_name(value)}.")
        for i, item in enumerate(value):
            apath = f"{path}[{i}]"
            attachment = self.obj(item, apath)
            self.keys(attachment, ATTACHMENT_KEYS, apath)
            self.iri(self.required(attachment, "usageType", apath), f"{apath}.usageType")
            self.language_map(self.required(attachment, "display", apath), f"{apath}.display")
            if "description" in attachment:
                self.language_map(attachment["description"], f"{apath}.description")
            content_type = self.string(
                self.required(attachment, "contentType", apath), f"{apath}.contentType"
            )
            if not _MEDIA_TYPE_RE.match(content_type):
                self.fail(
                    f"{apath}.contentType must be an Internet media type, got {content_type[:60]!r}."
                )
            length = self.required(attachment, "length", apath)
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                self.fail(f"{apath}.length must be a non-negative integer.")
            sha2 = self.string(self.required(attachment, "sha2", apath), f"{apath}.sha2")
            if not _SHA2_RE.match(sha2):
                self.fail(f"{apath}.sha2 must be a hexadecimal SHA-2 hash (SHA-224/256/384/512).")
            if "fileUrl" in attachment:
                self.iri(attachment["fileUrl"], f"{apath}.fileUrl", "IRL")
            if attachment["usageType"] == SIGNATURE_USAGE and content_type.split(";")[
                0
            ].strip() != ("application/octet-stream"):
                self.fail(
                    f"{apath} is a signature and its contentType must be application/octet-stream."
                )

    # -- statements ---------------------------------------------------------------------------
    def substatement(self, sub: dict[str, Any], path: str) -> None:
        for key in ("id", "stored", "version", "authority"):
            if key in sub:
                self.fail(f"{path} is a SubStatement and must not have the {key!r} property.")
        self.keys(sub, SUBSTATEMENT_KEYS, path)
        self._body(sub, path, in_substatement=True)

    def _body(self, stmt: dict[str, Any], path: str, *, in_substatement: bool) -> str:
        self.agent(self.required(stmt, "actor", path), f"{path}.actor")
        self.verb(self.required(stmt, "verb", path), f"{path}.verb")
        object_type = self.statement_object(
            self.required(stmt, "object", path), f"{path}.object", in_substatement=in_substatement
        )
        if "result" in stmt:
            self.result(stmt["result"], f"{path}.result")
        if "context" in stmt:
            self.context(stmt["context"], f"{path}.context", object_type)
        if "timestamp" in stmt:
            self.timestamp(stmt["timestamp"], f"{path}.timestamp")
        if "attachments" in stmt:
            self.attachments(stmt["attachments"], f"{path}.attachments")
        return object_type

    def validate(self, value: object, path: str = "statement") -> dict[str, Any]:
        stmt = self.obj(value, path)
        self.keys(stmt, STATEMENT_KEYS, path)
        if "id" in stmt:
            self.uuid(stmt["id"], f"{path}.id")
        object_type = self._body(stmt, path, in_substatement=False)
        if "stored" in stmt:
            self.timestamp(stmt["stored"], f"{path}.stored")
        if "authority" in stmt:
            self.authority(stmt["authority"], f"{path}.authority")
        if "version" in stmt:
            version = self.string(stmt["version"], f"{path}.version")
            pattern = _VERSION_2_RE if self.v2 else _VERSION_103_RE
            if not pattern.match(version):
                allowed = '"1.0", "1.0.x", "2.0" or "2.0.x"' if self.v2 else '"1.0" or "1.0.x"'
                self.fail(f"{path}.version must be {allowed}, got {version[:20]!r}.")
        if stmt["verb"]["id"] == VOIDED_VERB and object_type != "StatementRef":
            self.fail(
                f"{path} voids a statement (verb {VOIDED_VERB}) so its object must be a StatementRef."
            )
        return stmt

    def authority(self, value: object, path: str) -> None:
        authority = self.obj(value, path)
        self.agent(authority, path)
        if authority.get("objectType") == "Group":
            if any(k in authority for k in IFI_KEYS):
                self.fail(f"{path} may only be an anonymous Group (of exactly two Agents).")
            if len(authority.get("member", [])) != 2:
                self.fail(f"{path} is a Group and must have exactly two Agent members.")


def validate_statement(statement: object, version: str, path: str = "statement") -> dict[str, Any]:
    """Validate one statement by the rules of ``version``; returns it as a dict."""
    return StatementValidator(version).validate(statement, path)


def validate_statements(statements: list[Any], version: str) -> list[dict[str, Any]]:
    validator = StatementValidator(version)
    if len(statements) == 1:
        return [validator.validate(statements[0])]
    return [validator.validate(s, f"statements[{i}]") for i, s in enumerate(statements)]
