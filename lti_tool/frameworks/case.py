"""Reading and writing 1EdTech CASE 1.0 packages (CFPackage JSON).

A package is a ``CFDocument``, its ``CFItems`` and the ``CFAssociations`` between them; the tree
is made of the ``isChildOf`` associations (origin: the child, destination: its parent item or the
document). Other association types are ignored. CASE holds one language per item, so an import
fills the Swedish or English texts after the item's (or the document's) ``language``, and an
export writes one language. Progression levels travel as one ``CFRubric`` whose criterion levels
carry the level code (``quality``) and descriptor (``description``).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lti_tool.frameworks.document import (
    MAX_COMPETENCES,
    MAX_DEPTH,
    MAX_TEXT,
    CompetenceDocument,
    FrameworkDocument,
    FrameworkFileError,
    LevelDocument,
    Texts,
    Title,
    settle,
    walk,
)
from lti_tool.frameworks.interchange import check_size
from lti_tool.journeys.interchange import validation_problems

Language = Literal["sv", "en"]


class _Case(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LinkURI(_Case):
    identifier: str = Field(min_length=1)
    uri: str = ""
    title: str = ""


IRI_PATTERN = r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$"
LEVEL_CODE = re.compile(r"[A-Za-z0-9._-]{1,20}")


class CFDocument(_Case):
    identifier: str = Field(min_length=1)
    uri: str = Field(min_length=3, max_length=500, pattern=IRI_PATTERN)
    title: str = Field(min_length=1)
    creator: str = ""
    version: str = ""
    language: str = ""
    publisher: str = ""
    officialSourceURL: str = ""
    licenseURI: LinkURI | None = None
    notes: str = ""


class CFItem(_Case):
    identifier: str = Field(min_length=1)
    uri: str = Field(min_length=3, max_length=500, pattern=IRI_PATTERN)
    fullStatement: str = Field(min_length=1, max_length=MAX_TEXT)
    abbreviatedStatement: str = ""
    humanCodingScheme: str = ""
    listEnumeration: str = ""
    CFItemType: str = ""
    language: str = ""


class CFAssociation(_Case):
    identifier: str = Field(min_length=1)
    associationType: str = Field(min_length=1)
    originNodeURI: LinkURI
    destinationNodeURI: LinkURI
    sequenceNumber: int | None = None


class CFRubricCriterionLevel(_Case):
    quality: str = Field(min_length=1)
    description: str = ""
    position: int | None = None


class CFRubricCriterion(_Case):
    CFRubricCriterionLevels: list[CFRubricCriterionLevel] = Field(default_factory=list)


class CFRubric(_Case):
    CFRubricCriteria: list[CFRubricCriterion] = Field(default_factory=list)


class CFLicense(_Case):
    title: str = ""
    licenseText: str = ""


class CFPackage(_Case):
    CFDocument: CFDocument
    CFItems: list[CFItem] = Field(default_factory=list)
    CFAssociations: list[CFAssociation] = Field(default_factory=list)
    CFRubrics: list[CFRubric] = Field(default_factory=list)
    CFLicenses: list[CFLicense] = Field(default_factory=list)


def _language(tag: str, fallback: Language) -> Language:
    tag = tag.lower()
    if tag.startswith(("sv", "swe")):
        return "sv"
    if tag.startswith("en"):
        return "en"
    return fallback


def _texts(text: str, language: Language) -> dict[str, str]:
    return {language: text}


def load_case(text: str, source: str = "CASE package") -> FrameworkDocument:
    """Read a CASE 1.0 package; raise ``FrameworkFileError`` listing every problem at once."""
    check_size(text, source)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FrameworkFileError(source, [f"not valid JSON ({exc})"]) from exc
    except RecursionError as exc:
        raise FrameworkFileError(source, ["the JSON nests too deeply"]) from exc
    if not isinstance(data, dict):
        raise FrameworkFileError(source, ["a CASE package is a JSON object with CFDocument"])
    items = data.get("CFItems")
    if isinstance(items, list) and len(items) > MAX_COMPETENCES:
        raise FrameworkFileError(
            source, [f"CFItems: {len(items)} items, more than {MAX_COMPETENCES}"]
        )
    try:
        package = CFPackage.model_validate(data)
    except ValidationError as exc:
        raise FrameworkFileError(source, validation_problems(exc, {})) from exc
    document, problems = _document(package)
    if not problems:
        problems = settle(document)
    if problems:
        raise FrameworkFileError(source, problems)
    return document


def _parents(package: CFPackage, problems: list[str]) -> dict[str, tuple[str | None, int, int]]:
    """Each item's parent identifier (``None``: the document), sequence number and file order."""
    by_identifier = {item.identifier: item for item in package.CFItems}
    by_uri = {item.uri: item.identifier for item in package.CFItems}
    document = package.CFDocument

    def resolve(link: LinkURI) -> str | None:
        if link.identifier in by_identifier:
            return link.identifier
        return by_uri.get(link.uri)

    parents: dict[str, tuple[str | None, int, int]] = {}
    for index, association in enumerate(package.CFAssociations):
        if association.associationType != "isChildOf":
            continue
        path = f"CFAssociations[{index}]"
        child = resolve(association.originNodeURI)
        if child is None:
            problems.append(
                f"{path}.originNodeURI: no CFItem {association.originNodeURI.identifier!r}"
            )
            continue
        destination = association.destinationNodeURI
        parent = resolve(destination)
        to_document = destination.identifier == document.identifier or (
            bool(destination.uri) and destination.uri == document.uri
        )
        if parent is None and not to_document:
            problems.append(
                f"{path}.destinationNodeURI: no CFItem or CFDocument {destination.identifier!r}"
            )
            continue
        if child in parents:
            problems.append(
                f"{path}: CFItem {child!r} already has a parent (isChildOf); "
                "a framework is a tree, each competence has one place"
            )
            continue
        sequence = association.sequenceNumber if association.sequenceNumber is not None else index
        parents[child] = (parent, sequence, index)
    return parents


def _cycles(parents: dict[str, tuple[str | None, int, int]]) -> list[str]:
    """One problem per cycle of isChildOf associations, naming the items on it."""
    problems = []
    settled: set[str] = set()
    for start in parents:
        trail: list[str] = []
        node: str | None = start
        while node is not None and node not in settled and node not in trail:
            trail.append(node)
            node = parents.get(node, (None, 0, 0))[0]
        if node is not None and node in trail:
            loop = [*trail[trail.index(node) :], node]
            problems.append(
                "CFAssociations: the isChildOf associations form a cycle: " + " → ".join(loop)
            )
        settled.update(trail)
    return problems


def _document(package: CFPackage) -> tuple[FrameworkDocument, list[str]]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(package.CFItems):
        if item.identifier in seen:
            problems.append(
                f"CFItems[{index}].identifier: {item.identifier!r} "
                f"is also CFItems[{seen[item.identifier]}]"
            )
        seen.setdefault(item.identifier, index)
    parents = _parents(package, problems)
    problems.extend(_cycles(parents))
    cf_document = package.CFDocument
    language = _language(cf_document.language, "en")
    empty = FrameworkDocument.model_construct(
        iri=cf_document.uri, title=Title.model_construct(), competences=[]
    )
    if problems:
        return empty, problems
    children: dict[str | None, list[tuple[int, int, str]]] = {}
    for index, item in enumerate(package.CFItems):
        parent, sequence, order = parents.get(item.identifier, (None, index, index))
        children.setdefault(parent, []).append((sequence, order, item.identifier))
    items = {item.identifier: item for item in package.CFItems}

    def build(parent: str | None, depth: int) -> list[CompetenceDocument]:
        built = []
        for _, _, identifier in sorted(children.get(parent, [])):
            item = items[identifier]
            if depth > MAX_DEPTH:
                problems.append(f"CFItems: {identifier!r} is nested more than {MAX_DEPTH} deep")
                continue
            lang = _language(item.language, language)
            title = item.abbreviatedStatement or item.fullStatement
            description = item.fullStatement if item.abbreviatedStatement else ""
            built.append(
                CompetenceDocument(
                    code=item.humanCodingScheme[:50],
                    iri=item.uri,
                    title=Title(**_texts(title[:300], lang)),
                    description=Texts(**_texts(description, lang)),
                    competences=build(identifier, depth + 1),
                )
            )
        return built

    levels = _levels(package, language, problems)
    try:
        document = FrameworkDocument(
            iri=cf_document.uri,
            title=Title(**_texts(cf_document.title[:300], language)),
            version=cf_document.version[:50],
            source=cf_document.publisher or cf_document.creator,
            licence=_licence(package),
            levels=levels,
            competences=build(None, 1),
        )
    except ValidationError as exc:
        return empty, validation_problems(exc, {})
    return document, problems


def _levels(package: CFPackage, language: Language, problems: list[str]) -> list[LevelDocument]:
    """The levels of the package's first rubric criterion, in position order."""
    levels = []
    for rubric in package.CFRubrics[:1]:
        for criterion in rubric.CFRubricCriteria[:1]:
            found = enumerate(criterion.CFRubricCriterionLevels)
            for index, level in sorted(found, key=lambda pair: pair[1].position or 0):
                if not LEVEL_CODE.fullmatch(level.quality):
                    problems.append(
                        f"CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[{index}]"
                        f".quality: {level.quality!r} is not a level code (up to 20 letters, "
                        "digits, '.', '_' or '-')"
                    )
                    continue
                descriptor = Texts(**_texts(level.description[:MAX_TEXT], language))
                levels.append(LevelDocument(code=level.quality, descriptor=descriptor))
    return levels


def _licence(package: CFPackage) -> str:
    for licence in package.CFLicenses[:1]:
        return licence.licenseText or licence.title
    return package.CFDocument.licenseURI.title if package.CFDocument.licenseURI else ""


def _id(iri: str) -> str:
    """A stable CASE identifier (a UUID) for an IRI, the same at every export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def dump_case(document: FrameworkDocument, language: Language = "en") -> str:
    """The document as a CASE 1.0 package, its texts in ``language`` (the other when missing)."""
    other: Language = "sv" if language == "en" else "en"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def text(texts: Texts | Title) -> str:
        chosen: str = getattr(texts, language) or getattr(texts, other)
        return chosen

    def language_of(title: Title) -> Language:
        return language if getattr(title, language) else other

    doc_id = _id(document.iri)
    doc_link = {"title": text(document.title), "identifier": doc_id, "uri": document.iri}
    cf_document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": document.iri,
        "creator": document.source or "lti-journeys",
        "title": text(document.title),
        "lastChangeDateTime": now,
        "version": document.version,
        "language": language,
        "publisher": document.source,
        "CFPackageURI": doc_link,
    }
    licences: list[dict[str, Any]] = []
    if document.licence:
        licence_iri = f"{document.iri.rstrip('/')}/licence"
        licence_link = {"title": "Licence", "identifier": _id(licence_iri), "uri": licence_iri}
        cf_document["licenseURI"] = licence_link
        licences.append(
            {**licence_link, "licenseText": document.licence, "lastChangeDateTime": now}
        )
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    parents: dict[int, dict[str, str]] = {}
    positions: dict[int, int] = {}
    for competence, _, _ in walk(document.competences):
        iri = competence.iri or ""
        link = {"title": text(competence.title), "identifier": _id(iri), "uri": iri}
        for child in competence.competences:
            parents[id(child)] = link
        item: dict[str, Any] = {
            "identifier": _id(iri),
            "uri": iri,
            "fullStatement": text(competence.description) or text(competence.title),
            "humanCodingScheme": competence.code,
            "language": language_of(competence.title),
            "lastChangeDateTime": now,
            "CFDocumentURI": doc_link,
        }
        if text(competence.description):
            item["abbreviatedStatement"] = text(competence.title)
        items.append(item)
        parent = parents.get(id(competence), doc_link)
        positions[id(parent)] = positions.get(id(parent), 0) + 1
        associations.append(
            {
                "identifier": _id(f"{iri}#isChildOf"),
                "uri": f"{iri}#isChildOf",
                "associationType": "isChildOf",
                "sequenceNumber": positions[id(parent)],
                "lastChangeDateTime": now,
                "originNodeURI": link,
                "destinationNodeURI": parent,
                "CFDocumentURI": doc_link,
            }
        )
    package: dict[str, Any] = {
        "CFDocument": cf_document,
        "CFItems": items,
        "CFAssociations": associations,
    }
    if licences:
        package["CFLicenses"] = licences
    if document.levels:
        rubric_iri = f"{document.iri.rstrip('/')}/levels"
        package["CFRubrics"] = [
            {
                "identifier": _id(rubric_iri),
                "uri": rubric_iri,
                "title": "Levels",
                "lastChangeDateTime": now,
                "CFRubricCriteria": [
                    {
                        "identifier": _id(f"{rubric_iri}#criterion"),
                        "uri": f"{rubric_iri}#criterion",
                        "position": 1,
                        "rubricId": _id(rubric_iri),
                        "lastChangeDateTime": now,
                        "CFRubricCriterionLevels": [
                            {
                                "identifier": _id(f"{rubric_iri}/{level.code}"),
                                "uri": f"{rubric_iri}/{level.code}",
                                "quality": level.code,
                                "description": text(level.descriptor),
                                "position": position,
                                "rubricCriterionId": _id(f"{rubric_iri}#criterion"),
                                "lastChangeDateTime": now,
                            }
                            for position, level in enumerate(document.levels, start=1)
                        ],
                    }
                ],
            }
        ]
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
