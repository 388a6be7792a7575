"""Demo LMS pages: choose a person and a course, and launch the tool as a real platform would."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from lti_tool.db import get_session
from lti_tool.demo import catalog
from lti_tool.demo.deep_linking import (
    CLAIM,
    DeepLinkResponseError,
    place_links,
    placed_links,
    read_response,
    request_claims,
)
from lti_tool.demo.platform import DemoPlatform, launch_claims
from lti_tool.lti import keys
from lti_tool.lti.runtime import get_runtime
from lti_tool.validation import strict_int

bp = Blueprint("demo", __name__, url_prefix="/demo", template_folder="templates")


def _platform() -> DemoPlatform:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    return DemoPlatform(settings.demo_base_url, current_app.instance_path)


@bp.get("/")
def index() -> ResponseReturnValue:
    courses_by_org = {
        o.slug: [c for c in catalog.COURSES if c.org_slug == o.slug] for o in catalog.ORGS
    }
    return render_template(
        "demo/index.html", orgs=catalog.ORGS, courses=courses_by_org, people=catalog.PEOPLE
    )


@bp.get("/course/<course_key>/<person_key>")
def course_page(course_key: str, person_key: str) -> ResponseReturnValue:
    """The course with the tool in an iframe: its default link, a placed link, or the picker."""
    course, person = catalog.course(course_key), catalog.person(person_key)
    if course is None or person is None:
        abort(404)
    links = placed_links(current_app.instance_path, course.key)
    mode = request.args.get("mode", "")
    if mode not in ("", "add") and strict_int(mode, 1, len(links)) is None:
        abort(404)
    return render_template(
        "demo/course.html",
        course=course,
        person=person,
        links=links,
        mode=mode,
        storage=request.args.get("storage", "1"),
        storage_frame=STORAGE_FRAME if _storage_target() == STORAGE_FRAME else None,
    )


STORAGE_FRAME = "lti-storage"


def _storage_offered() -> bool:
    """The demo offers LTI Platform Storage unless told not to (``?storage=0``)."""
    return request.args.get("storage", "1") != "0"


def _storage_target() -> str | None:
    """``_parent``, or with ``?storage=frame`` a storage frame of its own (as Canvas has)."""
    if not _storage_offered():
        return None
    return STORAGE_FRAME if request.args.get("storage") == "frame" else "_parent"


@bp.get("/storage-frame")
def storage_frame() -> ResponseReturnValue:
    """The platform's hidden storage frame, which answers lti.put_data and lti.get_data."""
    return render_template("demo/storage_frame.html")


@bp.get("/start/<course_key>/<person_key>")
def start_launch(course_key: str, person_key: str) -> ResponseReturnValue:
    """Third-party initiated login as Moodle sends it: a form POST to the tool's login URL."""
    course, person = catalog.course(course_key), catalog.person(person_key)
    if course is None or person is None:
        abort(404)
    platform = _platform()
    demo_org = catalog.org(course.org_slug)
    base = current_app.config["LTI_JOURNEYS_SETTINGS"].base_url
    mode = request.args.get("mode", "")  # "add": deep linking; a number: a placed link
    fields = {
        "iss": platform.issuer,
        "login_hint": f"{person.key}:{course.key}:{mode}",
        "target_link_uri": base + "/lti/launch",
        "lti_message_hint": course.key,
        "client_id": demo_org.client_id,
        "lti_deployment_id": demo_org.deployment_id,
    }
    target = _storage_target()
    if target:
        # The course page (or its storage frame) answers lti.put_data / lti.get_data.
        fields["lti_storage_target"] = target
    return render_template("demo/autopost.html", action=base + "/lti/login", fields=fields)


@bp.get("/auth")
def authorize() -> ResponseReturnValue:
    """The platform's OIDC authorization endpoint: checks the request and posts an id_token back."""
    platform = _platform()
    args = request.args
    base = current_app.config["LTI_JOURNEYS_SETTINGS"].base_url
    problems = []
    if args.get("scope") != "openid" or args.get("response_type") != "id_token":
        problems.append("scope must be 'openid' and response_type 'id_token'")
    if args.get("response_mode") != "form_post":
        problems.append("response_mode must be 'form_post'")
    if not args.get("nonce") or not args.get("state"):
        problems.append("nonce and state are required")
    redirect_uri = args.get("redirect_uri", "")
    if urlsplit(redirect_uri)._replace(query="").geturl() != base + "/lti/launch":
        problems.append("redirect_uri is not the tool's registered launch URL")
    person_key, _, rest = (args.get("login_hint") or "").partition(":")
    course_key, _, mode = rest.partition(":")
    course, person = catalog.course(course_key), catalog.person(person_key)
    if course is None or person is None:
        problems.append("login_hint names no demo person and course")
    elif args.get("client_id") != catalog.org(course.org_slug).client_id:
        problems.append("client_id does not belong to the course's organisation")
    if problems or course is None or person is None:
        return render_template("demo/auth_error.html", problems=problems), 400
    claims = launch_claims(
        platform, person, course, args["nonce"], base + "/lti/launch", str(get_locale() or "sv")
    )
    if mode == "add":
        claims.pop(CLAIM + "resource_link")
        claims.update(
            request_claims(
                course,
                platform.base_url
                + url_for("demo.deep_link_return", course_key=course.key, person_key=person.key),
            )
        )
    elif (number := strict_int(mode, 1, 10**9)) is not None:
        link = next(
            (x for x in placed_links(current_app.instance_path, course.key) if x.number == number),
            None,
        )
        if link is not None:
            claims[CLAIM + "resource_link"] = {"id": link.resource_link_id, "title": link.title}
            claims[CLAIM + "custom"] = {**claims[CLAIM + "custom"], **link.custom}
    fields = {"id_token": platform.id_token(claims), "state": args["state"]}
    # The demo platform runs in this process: hand its keys to the tool's cache directly, which
    # also spares a single-threaded server from fetching its own JWKS over HTTP.
    get_runtime().key_cache.prime(platform.base_url + "/demo/jwks", platform.jwks())
    return render_template("demo/autopost.html", action=redirect_uri, fields=fields)


@bp.post("/deep-link-return/<course_key>/<person_key>")
def deep_link_return(course_key: str, person_key: str) -> ResponseReturnValue:
    """The platform's deep_link_return_url: verify the tool's response and place its links."""
    course, person = catalog.course(course_key), catalog.person(person_key)
    if course is None or person is None:
        abort(404)
    try:
        items = read_response(
            request.form.get("JWT", ""), keys.jwks(get_session()), course, _platform().issuer
        )
    except DeepLinkResponseError as exc:
        return render_template("demo/auth_error.html", problems=[str(exc)]), 400
    added = place_links(current_app.instance_path, course.key, items)
    return render_template("demo/placed.html", course=course, person=person, added=added)


@bp.get("/jwks")
def jwks() -> ResponseReturnValue:
    return jsonify(_platform().jwks())
