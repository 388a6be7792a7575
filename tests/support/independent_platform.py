"""An LTI 1.3 platform built on the ``lti1p3platform`` package (not ours), served over real HTTP.

The package builds and signs the platform's messages, checks the tool's OIDC answers, issues
access tokens after checking the tool's signed client assertion, checks those tokens on every
service call, and validates the tool's deep-linking response. This module only supplies what the
package leaves to its host framework: routes, an in-memory course (members, line items, scores)
and the translation of its responses to HTTP (AGS line items as a JSON array and ``next`` pages
as ``Link`` headers, as the AGS and NRPS specifications put them).
"""

from __future__ import annotations

import html
import threading
import typing as t
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, redirect, request
from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response as LtiResponse
from lti1p3platform.score import TScore, UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)
from werkzeug.serving import BaseWSGIServer, make_server

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
COURSE = Context(id="interop-course", label="IOP1", title="Interop-kursen")


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class FlaskRequest(Request):
    def build_metadata(self, req: Any) -> TRequest:
        return {
            "method": req.method,
            "form_data": req.form.to_dict(),
            "json": req.get_json(silent=True),
            "get_data": req.args.to_dict(),
            "headers": req.headers,
            "content_type": req.content_type,
            "path": req.path,
        }


class IndependentPlatform:
    """One platform, one course, one deployment of the tool at ``tool_base``."""

    def __init__(self, tool_base: str, tool_jwks: dict[str, Any]) -> None:
        self.tool_base = tool_base
        self.tool_jwks = tool_jwks
        self.client_id = "interop-client"
        self.deployment_id = "interop-deployment"
        self.private_pem, self.public_pem = _pem_pair()
        # The course: who is in it, the line items and the scores the tool posted.
        self.members: list[dict[str, Any]] = []
        self.lineitems: dict[str, TLineItem] = {}
        self.scores: list[dict[str, Any]] = []
        self.deep_link_items: list[dict[str, Any]] = []
        self.deep_link_data: dict[str, Any] | None = None
        self.app = self._build_app()
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()

    # -- the package's abstractions, filled in -------------------------------------------------
    def conf(self) -> LTI1P3PlatformConfAbstract:
        platform = self

        class Conf(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs: Any) -> None:
                self._registration = self.get_registration_by_params()

            def get_registration_by_params(self, **kwargs: Any) -> Registration:
                registration = (
                    Registration()
                    .set_iss(platform.base_url)
                    .set_client_id(platform.client_id)
                    .set_deployment_id(platform.deployment_id)
                    .set_launch_url(platform.tool_base + "/lti/launch")
                    .set_deeplink_launch_url(platform.tool_base + "/lti/launch")
                    .set_oidc_login_url(platform.tool_base + "/lti/login")
                    .set_platform_public_key(platform.public_pem)
                    .set_platform_private_key(platform.private_pem)
                )
                registration.set_tool_key_set(platform.tool_jwks)
                return registration

        return Conf()

    def _launch_class(self) -> type[LTIAdvantageMessageLaunchAbstract]:
        platform = self

        class Launch(LTIAdvantageMessageLaunchAbstract):
            def prepare_launch(self, preflight_response: dict[str, Any]) -> None:
                hint = preflight_response.get("lti_message_hint", "")
                kind, _, user = hint.partition(":")
                member = next(m for m in platform.members if m["user_id"] == user)
                if preflight_response.get("login_hint") != user:
                    raise ValueError("login_hint does not match the message hint")
                self.set_user_data(user, member["roles"], member.get("name"), member.get("email"))
                self.set_launch_context_claim(
                    COURSE.id, [LIS + "course#CourseOffering"], COURSE.title, COURSE.label
                )
                self.set_nrps(platform.base_url + "/memberships")
                if kind == "deeplink":
                    self.set_dl(
                        platform.base_url + "/deep-link-return",
                        title="Lägg till",
                        accept_types={"ltiResourceLink"},
                        extra_data={"opaque": "echo-me"},
                    )
                    self.set_ags(platform.base_url + "/lineitems")
                    return
                self.set_resource_link_claim("interop-link", title="Läranderesan")
                self.set_custom_parameters_claim({"journey": "digital-kompetens"})
                self.set_ags(platform.base_url + "/lineitems")

            def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Any:
                fields = "".join(
                    f'<input type="hidden" name="{name}" value="{html.escape(launch_data[name])}">'
                    for name in ("id_token", "state")
                )
                return (
                    f'<form method="post" action="{html.escape(launch_data["launch_url"])}">'
                    f"{fields}</form>"
                )

        return Launch

    def _ags(self, req: Request) -> AssignmentsGradesService:
        platform = self

        class Ags(AssignmentsGradesService):
            def find_lineitems(
                self,
                page: int = 1,
                limit: int | None = None,
                line_item_id: str | None = None,
                resource_link_id: str | None = None,
                resource_id: str | None = None,
                tag: str | None = None,
            ) -> TPage:
                items = [
                    i
                    for i in platform.lineitems.values()
                    if resource_link_id is None or i.get("resourceLinkId") == resource_link_id
                ]
                return {"content": items, "has_next": False, "next": None}

            def find_lineitem(self, line_item_id: str) -> TLineItem:
                try:
                    return platform.lineitems[line_item_id]
                except KeyError:
                    raise LineItemNotFoundException() from None

            def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
                key = uuid.uuid4().hex[:8]
                item = t.cast(
                    TLineItem, {**creation_data, "id": f"{platform.base_url}/lineitems/{key}"}
                )
                platform.lineitems[key] = item
                return item

            def update_lineitem(self, update_data: TLineItem) -> TLineItem:
                raise NotImplementedError

            def delete_lineitem(self, line_item_id: str) -> None:
                raise NotImplementedError

            def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
                self.find_lineitem(line_item_id)
                platform.scores.append({**score, "lineitem": line_item_id})
                return UpdateScoreStatus.SUCCESS

            def get_results(
                self,
                line_item_id: str,
                page: int = 1,
                limit: int | None = None,
                user_id: str | None = None,
            ) -> TPage:
                return {"content": [], "has_next": False, "next": None}

        return Ags(req, self.conf(), self.base_url + "/lineitems")

    def _nrps(self, req: Request) -> NamesRoleProvisioningService:
        platform = self

        class Nrps(NamesRoleProvisioningService):
            def get_member_data_page(
                self,
                page: int | str = 1,
                limit: int | str | None = None,
                role: str | None = None,
                since: str | None = None,
                **kwargs: Any,
            ) -> TPage:
                size = int(limit) if limit else len(platform.members)
                start = (int(page) - 1) * size
                content = [dict(m) for m in platform.members[start : start + size]]
                return {"content": content, "has_next": start + size < len(platform.members)}

            def get_context_by_id(self) -> Context:
                return COURSE

        return Nrps(req, self.conf(), self.base_url + "/memberships")

    # -- HTTP ------------------------------------------------------------------------------------
    def _build_app(self) -> Flask:
        app = Flask("independent_platform")
        platform = self

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(platform.conf().get_jwks())

        @app.get("/start")
        def start() -> Any:
            kind, user = request.args["kind"], request.args["user"]
            conf = platform.conf()

            class Login(OIDCLoginAbstract):
                def set_lti_message_hint(self, **kwargs: Any) -> None:
                    self._lti_message_hint = f"{kind}:{user}"

                def get_redirect(self, url: str) -> Any:
                    return redirect(url)

            login = Login(FlaskRequest(request), conf)
            login.set_lti_message_hint()
            if kind == "deeplink":
                login.set_deeplinking_launch_url()
            return login.initiate_login(user)

        @app.route("/auth", methods=["GET", "POST"])
        def auth() -> Any:
            launch = platform._launch_class()(FlaskRequest(request), platform.conf())
            return launch.lti_launch()

        @app.post("/token")
        def token() -> Any:
            try:
                return jsonify(platform.conf().get_access_token(request.form.to_dict()))
            except Exception as exc:  # the package raises several kinds
                return jsonify({"error": "invalid_client", "error_description": str(exc)}), 400

        @app.route("/lineitems", methods=["GET", "POST"])
        def lineitems() -> Any:
            service = platform._ags(FlaskRequest(request))
            if request.method == "POST":
                return _http(service.handle_resp(service.handle_create_lineitem))
            answer = service.handle_resp(service.handle_get_lineitems)
            if answer.code == 200 and isinstance(answer.result, dict):
                answer.result = answer.result["content"]
            return _http(answer)

        @app.post("/lineitems/<key>/scores")
        def scores(key: str) -> Any:
            service = platform._ags(FlaskRequest(request))
            return _http(service.handle_resp(service.handle_update_score, line_item_id=key))

        @app.get("/memberships")
        def memberships() -> Any:
            service = platform._nrps(FlaskRequest(request))
            answer = service.handle_resp(service.handle_get_members)
            link = None
            if isinstance(answer.result, dict) and answer.result.get("next"):
                link = answer.result.pop("next")
            return _http(answer, link)

        @app.post("/deep-link-return")
        def deep_link_return() -> Any:
            conf = platform.conf()
            platform.deep_link_items = conf.validate_deeplinking_resp(request.form.to_dict())
            body = conf.tool_validate_and_decode(request.form["JWT"])
            platform.deep_link_data = body.get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
            return "ok"

        return app


def _http(answer: LtiResponse, next_link: str | None = None) -> Response:
    if answer.code >= 400 or answer.result is None:
        response = jsonify({"error": answer.message}) if answer.code >= 400 else Response("")
    else:
        response = jsonify(answer.result)
    response.status_code = answer.code
    response.mimetype = answer.media_type
    if next_link:
        response.headers["Link"] = f'<{next_link}>; rel="next"'
    return response
