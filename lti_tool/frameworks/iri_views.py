"""Resolving the IRIs of the frameworks shipped with the tool (DigCompEdu), in every installation.

``https://w3id.org/xapi/lti-journeys/frameworks/digcompedu/2.1`` names the same competence in the
statements of every organisation, so an analyst who meets it in an LRS can look it up at
``BASE/xapi/profile/frameworks/digcompedu/2.1``: a SKOS concept in JSON-LD (the framework is its
concept scheme, the area its broader concept), or a small page for a browser that asks for HTML.
Only the shipped text is answered: an organisation's own frameworks stay private.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response, render_template_string, request

from lti_tool.frameworks.document import FrameworkDocument, settle, walk
from lti_tool.frameworks.interchange import BUILTINS, builtin_text, load_yaml

PREFIX = "/xapi/profile/frameworks"
bp = Blueprint("framework_iris", __name__, url_prefix=PREFIX)

SKOS_CONTEXT = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "definition": {"@id": "skos:definition", "@container": "@language"},
    "notation": "skos:notation",
    "inScheme": {"@id": "skos:inScheme", "@type": "@id"},
    "broader": {"@id": "skos:broader", "@type": "@id"},
    "narrower": {"@id": "skos:narrower", "@type": "@id"},
    "hasTopConcept": {"@id": "skos:hasTopConcept", "@type": "@id"},
    "source": "dcterms:source",
    "license": "dcterms:license",
}

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ body.prefLabel.en }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}code{background:#f3f3f3;padding:.1rem .3rem;overflow-wrap:anywhere}</style></head>
<body><main>
<h1>{% if body.notation %}{{ body.notation }} {% endif %}{{ body.prefLabel.en }}</h1>
<p lang="sv">{{ body.prefLabel.sv }}</p>
<p><code>{{ body["@id"] }}</code></p>
{% if body.definition %}<p>{{ body.definition.en }}</p><p lang="sv">{{ body.definition.sv }}</p>{% endif %}
{% if body.inScheme %}<p>Framework: <a href="{{ link(body.inScheme) }}">{{ body.inScheme }}</a></p>{% endif %}
{% if body.broader %}<p>Part of: <a href="{{ link(body.broader) }}">{{ body.broader }}</a></p>{% endif %}
{% set children = body.narrower or body.hasTopConcept %}
{% if children %}<ul>{% for c in children %}<li><a href="{{ link(c) }}">{{ c }}</a></li>{% endfor %}</ul>{% endif %}
{% if body.source %}<p>Source: {{ body.source }}</p>{% endif %}
<p>Machine-readable: request this address with <code>Accept: application/ld+json</code>.</p>
</main></body></html>
"""


@cache
def _concepts(name: str) -> dict[str, dict[str, Any]]:
    """Every IRI of a shipped framework (the scheme and its competences) with its description."""
    document: FrameworkDocument = load_yaml(builtin_text(name), f"built-in {name}")
    settle(document)
    scheme: dict[str, Any] = {
        "@context": SKOS_CONTEXT,
        "@id": document.iri,
        "@type": "skos:ConceptScheme",
        "prefLabel": {"sv": document.title.sv, "en": document.title.en},
        "source": document.source,
        "license": document.licence,
        "hasTopConcept": [c.iri for c in document.competences],
    }
    found = {document.iri: scheme}
    parents: dict[str, str] = {}
    # ``settle`` has minted every IRI the file leaves out.
    for competence, _path, _depth in walk(document.competences):
        for child in competence.competences:
            parents[str(child.iri)] = str(competence.iri)
        concept: dict[str, Any] = {
            "@context": SKOS_CONTEXT,
            "@id": competence.iri,
            "@type": "skos:Concept",
            "notation": competence.code,
            "prefLabel": {"sv": competence.title.sv, "en": competence.title.en},
            "definition": {"sv": competence.description.sv, "en": competence.description.en},
            "inScheme": document.iri,
        }
        if str(competence.iri) in parents:
            concept["broader"] = parents[str(competence.iri)]
        if competence.competences:
            concept["narrower"] = [c.iri for c in competence.competences]
        found[str(competence.iri)] = concept
    return found


def _link(iri: str) -> str:
    for name in BUILTINS:
        scheme = _scheme_iri(name)
        if iri == scheme or iri.startswith(scheme + "/"):
            return request.script_root + PREFIX + "/" + name + iri[len(scheme) :]
    return iri


def _scheme_iri(name: str) -> str:
    return next(
        iri for iri, body in _concepts(name).items() if body["@type"] == "skos:ConceptScheme"
    )


def _answer(body: dict[str, Any]) -> Response:
    best = request.accept_mimetypes.best_match(
        ["application/ld+json", "application/json", "text/html"]
    )
    if best == "text/html":
        response = Response(
            render_template_string(_HTML, body=body, link=_link), mimetype="text/html"
        )
    else:
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/ld+json"
        )
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    return response


def _not_found(iri: str) -> Response:
    response = Response(
        json.dumps(
            {
                "error": "unknown_iri",
                "message": f"{iri} is not a competence of a framework shipped with lti-journeys "
                f"(shipped: {', '.join(sorted(BUILTINS))}).",
            }
        ),
        status=404,
        mimetype="application/json",
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/<name>")
@bp.get("/<name>/<path:code>")
def resolve(name: str, code: str | None = None) -> Response:
    if name not in BUILTINS:
        return _not_found(request.path)
    scheme = _scheme_iri(name)
    iri = scheme if code is None else f"{scheme}/{code}"
    body = _concepts(name).get(iri)
    return _answer(body) if body is not None else _not_found(iri)
