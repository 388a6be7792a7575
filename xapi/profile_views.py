"""Resolving the profile's namespace: the profile, its versions and each concept it mints.

``NAMESPACE/<rest>`` is answered at ``/xapi/profile/<rest>`` of every installation, without
credentials: JSON-LD by default (and for ``Accept: application/ld+json`` or ``application/json``),
a small HTML description for a browser that prefers ``text/html``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response, abort, render_template_string, request

from xapi.profile import NAMESPACE, PROFILE, PROFILE_VERSION, SCHOOL_UNITS

PATH = "/xapi/profile"
_JSON_TYPES = ("application/ld+json", "application/json")
_SCHOOL_UNIT_CODE = re.compile(r"[0-9]{8}")

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}code,pre{background:#f3f3f3;padding:.1rem .3rem;overflow-wrap:anywhere}
pre{padding:1rem;overflow:auto}dt{font-weight:600}</style></head>
<body><main>
<h1>{{ title }}</h1>
<p><code>{{ iri }}</code></p>
{% if concept %}
<dl>
<dt>Type</dt><dd>{{ concept.type }}</dd>
<dt>Label</dt><dd>{{ concept.prefLabel.en }}{% if concept.prefLabel.sv %} <span lang="sv">({{ concept.prefLabel.sv }})</span>{% endif %}</dd>
<dt>Definition</dt><dd>{{ concept.definition.en }}</dd>
<dt>Profile version</dt><dd><a href="{{ profile_url }}">{{ concept.inScheme }}</a></dd>
{% if concept.verb %}<dt>Verb</dt><dd><code>{{ concept.verb }}</code></dd>{% endif %}
{% if concept.objectActivityType %}<dt>Object type</dt><dd><code>{{ concept.objectActivityType }}</code></dd>{% endif %}
{% if concept.rules %}<dt>Rules</dt><dd><ul>{% for r in concept.rules %}<li><code>{{ r.location }}</code> {{ r.presence or "" }}{% for k in ("any", "all", "none") %}{% if r[k] %} {{ k }} {{ r[k]|tojson }}{% endif %}{% endfor %}</li>{% endfor %}</ul></dd>{% endif %}
{% if concept.inlineSchema %}<dt>Schema of the value</dt><dd><pre>{{ concept.inlineSchema }}</pre></dd>{% endif %}
</dl>
{% else %}
<p>{{ document.definition.en }}</p>
<h2>Concepts</h2>
<ul>{% for c in document.concepts %}
<li><a href="{{ link(c.id) }}">{{ c.prefLabel.en }}</a> ({{ c.type }}) <code>{{ c.id }}</code></li>
{% endfor %}</ul>
<h2>Statement templates</h2>
<ul>{% for t in document.templates %}<li>{{ t.prefLabel.en }}: {{ t.definition.en }}</li>{% endfor %}</ul>
<h2>Patterns</h2>
<ul>{% for p in document.patterns %}<li>{{ p.prefLabel.en }}: {{ p.definition.en }}</li>{% endfor %}</ul>
{% endif %}
<p>Machine-readable: request this address with <code>Accept: application/ld+json</code>.</p>
</main></body></html>
"""


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *_JSON_TYPES])
    return best == "text/html" and request.accept_mimetypes["text/html"] > max(
        request.accept_mimetypes[t] for t in _JSON_TYPES
    )


def _link(iri: str) -> str:
    """The address in this installation that resolves ``iri`` (or the IRI itself)."""
    if iri.startswith(NAMESPACE + "/"):
        return request.script_root + PATH + iri[len(NAMESPACE) :]
    return iri


def _answer(document: dict[str, Any], iri: str, concept: dict[str, Any] | None) -> Response:
    if _wants_html():
        html = render_template_string(
            _HTML,
            title=(concept["prefLabel"]["en"] if concept else document["prefLabel"]["en"]),
            iri=iri,
            concept=concept,
            document=document,
            link=_link,
            profile_url=request.script_root + PATH,
        )
        response = Response(html, mimetype="text/html")
    else:
        body = concept if concept is not None else document
        if concept is not None:
            body = {"@context": document["@context"], **concept}
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/ld+json"
        )
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    return response


def init_profile_routes(app: Flask) -> None:
    """Serve the profile at ``/xapi/profile`` and every IRI of its namespace below it."""
    document = PROFILE.document()
    described = [*document["concepts"], *document["templates"], *document["patterns"]]
    concepts = {c["id"]: c for c in described}
    versions = {v["id"] for v in document["versions"]}

    @app.get(PATH)
    def xapi_profile() -> Response:
        return _answer(document, NAMESPACE, None)

    @app.get(PATH + "/school-units/<code>")
    def xapi_school_unit(code: str) -> Response:
        """A school unit's activity, by its national skolenhetskod (8 digits)."""
        if not _SCHOOL_UNIT_CODE.fullmatch(code):
            abort(404)
        body = {
            "objectType": "Activity",
            "id": SCHOOL_UNITS + code,
            "definition": {
                "type": PROFILE.activity_type("school-unit"),
                "name": {"en-US": f"School unit {code}", "sv-SE": f"Skolenhet {code}"},
                "extensions": {PROFILE.extension("school-unit-code"): code},
            },
        }
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json"
        )
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @app.get(PATH + "/<path:rest>")
    def xapi_profile_iri(rest: str) -> Response:
        iri = f"{NAMESPACE}/{rest}"
        if iri in versions:
            return _answer(document, iri, None)
        concept = concepts.get(iri)
        if concept is None or not iri.startswith(NAMESPACE + "/"):
            response = Response(
                json.dumps(
                    {
                        "error": "unknown_iri",
                        "message": f"{iri} is not an IRI of the lti-journeys profile "
                        f"(version {PROFILE_VERSION}); the profile lists them at {PATH}.",
                    }
                ),
                status=404,
                mimetype="application/json",
            )
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        return _answer(document, iri, concept)
