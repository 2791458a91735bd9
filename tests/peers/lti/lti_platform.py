"""An LTI 1.3 Advantage *platform* for tests and manual checks, built on PyPI `lti1p3platform` 0.1.8.

lti1p3platform is a library, not a server: it keeps the platform key, signs id_tokens and access tokens,
builds the launch claims and verifies JWTs signed by the tool. This module is the Flask glue around it:
Dynamic Registration, the OIDC authorization endpoint, the token endpoint, AGS 2.0, NRPS 2.0 (with our own
paging: the library's is broken) and the deep-linking return. The library checks little of what a tool
sends, so every check on the tool's requests is ours and names the spec rule it enforces.

The platform serves one course ("Classe de CM2", `course-1`) with three users and one resource link (`rl-1`)
whose line item URL carries `?type_id=1`, as Moodle's do. It keeps one tool registration at a time.
Everything it receives is recorded (see `Platform.records`) for a test driver to check.

Run it alone for manual testing (`python lti_platform.py [PORT]`): it prints the registration URL to open
on a tool and the `/start` URLs that launch each user.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import importlib.metadata
import json
import logging
import secrets
import sys
import threading
import time
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, request
from lti1p3platform.constants import LTI_1P3_ACCESS_TOKEN_SCOPES
from lti1p3platform.exceptions import LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from werkzeug.serving import make_server

PRODUCT_FAMILY_CODE = "lti1p3platform-peer"
PLATFORM_VERSION = importlib.metadata.version("lti1p3platform")

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

CLAIM_TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
CLAIM_LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
CLAIM_VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
CLAIM_DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
CLAIM_DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MEDIA_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"
MEDIA_MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

# AGS 2.0, Score publish service: the only values of activityProgress and gradingProgress.
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}

# Values of lti_message_hint; the login_hint is the user id.
MESSAGE_RESOURCE = "resource"
# A launch of a second resource link whose AGS claim has no `lineitem`: the tool must find or create its line item.
MESSAGE_RESOURCE_UNLINKED = "resource-unlinked"
RESOURCE_LINK_ID_UNLINKED = "rl-2"
MESSAGE_DEEP_LINK = "deep_link"

DEEP_LINK_DATA = "dl-opaque-42"
ID_TOKEN_LIFETIME = 60  # seconds, as Moodle does
NRPS_PAGE_SIZE = 2
TYPE_ID = "1"  # Moodle puts ?type_id=<tool type> on every line item URL; ours is always 1


@dataclasses.dataclass(frozen=True)
class User:
    user_id: str
    given_name: str
    family_name: str
    email: str | None
    role: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


USERS = {
    user.user_id: user
    for user in (
        User("student-1", "Camille", "Martin", "camille.martin@example.org", LEARNER),
        User("student-2", "Noah", "Bernard", None, LEARNER),
        User("teacher-1", "Inès", "Moreau", None, INSTRUCTOR),
    )
}
CONTEXT = {"id": "course-1", "label": "CM2", "title": "Classe de CM2", "type": [COURSE_OFFERING]}
RESOURCE_LINK_ID = "rl-1"


@dataclasses.dataclass
class ToolRegistration:
    """What the platform keeps of a tool it registered through Dynamic Registration."""

    client_id: str
    deployment_id: str
    redirect_uris: list[str]
    scopes: set[str]


class _FlaskRequest(Request):
    """Adapts the current Flask request to the library's request interface."""

    def build_metadata(self, flask_request):
        return {
            "method": flask_request.method,
            "form_data": flask_request.form.to_dict(),
            "get_data": flask_request.args.to_dict(),
            "headers": dict(flask_request.headers),
            "content_type": flask_request.content_type,
            "path": flask_request.path,
            "json": flask_request.get_json(silent=True),
        }


class _PlatformConf(LTI1P3PlatformConfAbstract):
    """The library's platform object, made per request: it keeps the JWT being checked in `self._jwt`,
    so one shared instance would mix up concurrent requests. The `Registration` it wraps is shared."""

    def init_platform_config(self, registration: Registration) -> None:
        self._registration = registration

    def get_registration_by_params(self, **kwargs) -> Registration:
        return self._registration


class _OidcLogin(OIDCLoginAbstract):
    """Builds the third-party-initiated login URL (Security Framework 1.0 §5.1.1.1) with the library."""

    def set_lti_message_hint(self, hint: str) -> None:
        self._lti_message_hint = hint

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    """One id_token for the user in `login_hint` and the message in `lti_message_hint`."""

    def __init__(self, flask_request, conf: _PlatformConf, platform: Platform) -> None:
        super().__init__(_FlaskRequest(flask_request), conf)
        self._platform = platform

    def prepare_launch(self, preflight_response: dict) -> None:
        issuer = self._platform.issuer
        user = USERS[preflight_response["login_hint"]]
        self.set_id_token_expiration(ID_TOKEN_LIFETIME)
        self.set_user_data(user.user_id, [user.role], full_name=user.name, email_address=user.email)
        self.set_extra_claims(
            {
                "given_name": user.given_name,
                "family_name": user.family_name,
                CLAIM_TOOL_PLATFORM: {
                    "guid": issuer,
                    "name": "lti1p3platform peer",
                    "product_family_code": PRODUCT_FAMILY_CODE,
                    "version": PLATFORM_VERSION,
                },
            }
        )
        self.set_launch_context_claim(CONTEXT["id"], CONTEXT["type"], CONTEXT["title"], CONTEXT["label"])
        self.set_launch_presentation_claim(document_target="iframe")
        # The library's launch presentation setter has no locale parameter.
        self.lti_claim_launch_presentation[CLAIM_LAUNCH_PRESENTATION]["locale"] = "fr-FR"
        # The link opens the module "Manipuler l'information", whose final quiz is graded.
        self.set_custom_parameters_claim({"course_hint": "cm2", "content_id": "fr.classcode.information"})

        if preflight_response["lti_message_hint"] == MESSAGE_DEEP_LINK:
            self.set_dl(
                f"{issuer}/deep-link-return",
                title="Modules Class'Code",
                description="Modules pour la Classe de CM2",
                accept_types={"ltiResourceLink"},
            )
            # The library offers an "embed" target and sends `data` as an object; LTI-DL 2.0 (Deep linking
            # settings) makes `data` an opaque string, and we accept iframe and window only.
            self._deep_linking_launch_data[CLAIM_DL_SETTINGS].update(
                accept_presentation_document_targets=["iframe", "window"],
                data=DEEP_LINK_DATA,
            )
        elif preflight_response["lti_message_hint"] == MESSAGE_RESOURCE_UNLINKED:
            self.set_launch_url(self._platform.resource_link_target())
            self.set_resource_link_claim(RESOURCE_LINK_ID_UNLINKED, title="Le jeu du robot")
            # AGS 2.0 §3.1: without `lineitem`, the tool finds or creates the link's line item under `lineitems`.
            self.set_ags(f"{issuer}/ags/lineitems", None, allow_creating_lineitems=True)
            self.set_nrps(f"{issuer}/nrps/memberships")
        else:
            self.set_launch_url(self._platform.resource_link_target())
            self.set_resource_link_claim(RESOURCE_LINK_ID, title="Les algorithmes débranchés")
            self.set_ags(
                f"{issuer}/ags/lineitems",
                self._platform.line_item_url(1),
                allow_creating_lineitems=True,
            )
            self.set_nrps(f"{issuer}/nrps/memberships")

    def render_launch_form(self, launch_data: dict, **kwargs) -> Response:
        # Security Framework 1.0 §5.1.1.3: id_token and state reach the tool by form POST to redirect_uri.
        action = html.escape(launch_data["launch_url"])
        id_token = html.escape(launch_data["id_token"])
        state = html.escape(launch_data["state"])
        page = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Lancement LTI</title></head>
<body>
<form method="post" action="{action}" id="lti-launch">
<input type="hidden" name="id_token" value="{id_token}">
<input type="hidden" name="state" value="{state}">
<noscript><button type="submit">Continuer</button></noscript>
</form>
<script>document.getElementById("lti-launch").submit();</script>
</body></html>
"""
        return Response(page, mimetype="text/html")


class _Rejection(Exception):
    """An answer other than success; `reason` is recorded so a driver can say what the tool got wrong."""

    def __init__(self, status: int, reason: str, oauth_error: str | None = None, headers: dict | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        # RFC 6749 §5.2 and RFC 7591 §3.2.2 errors carry a code; the LTI services have no error format.
        self.body = {"error": oauth_error, "error_description": reason} if oauth_error else {"error": reason}
        self.headers = headers


def _is_http_url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _audience_has(claims: dict, expected: str) -> bool:
    # RFC 7519 §4.1.3: aud is a string or an array of strings.
    aud = claims.get("aud")
    return aud == expected or (isinstance(aud, list) and expected in aud)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Platform:
    """The platform: call `start()`, hand a registration token out with `expect_registration_token()`,
    launch users with `login_initiation_url()`, read what the tool did in `records()`, then `stop()`."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._registration = Registration()
        self._registration.set_platform_private_key(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
        )
        self._registration.set_platform_public_key(
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self.issuer = ""
        self.tool: ToolRegistration | None = None
        self._resource_link_target: str | None = None
        self._server = None
        self._lock = threading.Lock()
        self._registration_tokens: set[str] = set()
        self._used_assertion_ids: set[str] = set()
        self._used_deep_link_nonces: set[str] = set()
        self._failing_score_posts = 0
        self._line_items: dict[int, dict] = {}
        self._records = {
            "registrations": [],  # registration requests accepted
            "token_requests": [],  # the scope string of each access token granted
            "scores": [],  # every score POST: url, status, score, reason
            "nrps_pages": [],  # page number of each memberships GET answered
            "deep_link_returns": [],  # content_items of each deep-linking response accepted
            "rejections": [],  # [path, reason] of every 4xx the platform answered
        }
        self.app = self._build_app()

    # ---- lifecycle and driver-facing helpers ----

    def start(self, port: int = 0, quiet: bool = True) -> str:
        """Serves on 127.0.0.1 (a free port by default) in a background thread; returns the issuer."""
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._registration.set_iss(self.issuer)
        self._line_items = {
            1: {
                "id": self.line_item_url(1),
                "label": "Les algorithmes débranchés",
                "scoreMaximum": 100,
                "resourceLinkId": RESOURCE_LINK_ID,
            }
        }
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.issuer

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def openid_configuration_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def expect_registration_token(self, token: str) -> None:
        """Makes `token` good for one Dynamic Registration request."""
        with self._lock:
            self._registration_tokens.add(token)

    def set_resource_link_target(self, url: str) -> None:
        """The target_link_uri of resource link rl-1 (default: the tool's registered target_link_uri)."""
        self._resource_link_target = url

    def resource_link_target(self) -> str:
        return self._resource_link_target or self._registration.get_launch_url()

    def line_item_url(self, number: int) -> str:
        return f"{self.issuer}/ags/lineitems/{number}?type_id={TYPE_ID}"

    def login_initiation_url(self, user_id: str, message: str) -> str:
        """The tool's initiate_login_uri with the login parameters (Security Framework §5.1.1.1), as a GET URL."""
        login = _OidcLogin(None, self._conf())
        login.set_lti_message_hint(message)
        if message == MESSAGE_DEEP_LINK:
            login.set_deeplinking_launch_url()
        else:
            login.set_launch_url(self.resource_link_target())
        return login.initiate_login(user_id)

    def line_items(self) -> list[dict]:
        """The line items the platform holds, created by tools included."""
        with self._lock:
            return copy.deepcopy(list(self._line_items.values()))

    def records(self) -> dict:
        """A snapshot of everything recorded so far."""
        with self._lock:
            return copy.deepcopy(self._records)

    # ---- internals ----

    def _conf(self) -> _PlatformConf:
        return _PlatformConf(registration=self._registration)

    def _require_tool(self) -> ToolRegistration:
        if self.tool is None:
            raise _Rejection(400, "no tool is registered yet")
        return self.tool

    def _decode_tool_jwt(self, token: str, oauth_error: str | None = None) -> dict:
        """Verifies a JWT signed by the tool (RS256, key found by kid in the tool's JWKS) with the library.

        The library caches the tool's JWKS forever; when the kid is not in the cached set, fetch it again,
        as a platform must for a tool that rotates its keys.
        """
        try:
            try:
                return self._conf().tool_validate_and_decode(token)
            except LtiException as error:
                if str(error) != "Unable to find public key":
                    raise
                self._registration.set_tool_key_set(None)
                return self._conf().tool_validate_and_decode(token)
        except (LtiException, jwt.PyJWTError) as error:
            raise _Rejection(401, f"tool JWT not verified: {error}", oauth_error) from error

    def _check_bearer(self, scopes: list[str]) -> None:
        """The request must carry one of our access tokens granting one of `scopes`."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _Rejection(401, "no bearer access token", headers={"WWW-Authenticate": "Bearer"})
        try:
            has_scope = self._conf().validate_token(token, allowed_scopes=scopes)
        except (LtiException, jwt.PyJWTError) as error:
            raise _Rejection(401, f"access token not valid: {error}") from error
        if not has_scope:
            raise _Rejection(403, f"access token lacks scope {' or '.join(scopes)}")

    def _record(self, kind: str, value) -> None:
        with self._lock:
            self._records[kind].append(value)

    def _build_app(self) -> Flask:
        app = Flask(__name__)

        @app.errorhandler(_Rejection)
        def rejected(rejection: _Rejection):
            if 400 <= rejection.status < 500:
                self._record("rejections", [request.path, rejection.reason])
            return Response(
                json.dumps(rejection.body),
                status=rejection.status,
                mimetype="application/json",
                headers=rejection.headers,
            )

        app.add_url_rule("/.well-known/jwks.json", view_func=self._jwks)
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._openid_configuration)
        app.add_url_rule("/register", view_func=self._register, methods=["POST"])
        app.add_url_rule("/start", view_func=self._start)
        app.add_url_rule("/authorize", view_func=self._authorize, methods=["GET", "POST"])
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/ags/lineitems", view_func=self._line_items_list, methods=["GET"])
        app.add_url_rule("/ags/lineitems", view_func=self._line_item_create, methods=["POST"])
        app.add_url_rule("/ags/lineitems/<int:number>", view_func=self._line_item_get, methods=["GET"])
        app.add_url_rule("/ags/lineitems/<int:number>/scores", view_func=self._score, methods=["POST"])
        app.add_url_rule("/nrps/memberships", view_func=self._memberships)
        app.add_url_rule("/deep-link-return", view_func=self._deep_link_return, methods=["POST"])
        app.add_url_rule("/test/fail-scores", view_func=self._fail_scores, methods=["POST"])
        app.add_url_rule("/test/records", view_func=self.records)
        return app

    # ---- discovery and registration ----

    def _jwks(self):
        return {"keys": [Registration.get_jwk(self._registration.get_platform_public_key())]}

    def _openid_configuration(self):
        # LTI Dynamic Registration 1.0 (Platform OpenID configuration).
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "registration_endpoint": f"{self.issuer}/register",
            "scopes_supported": ["openid", *LTI_1P3_ACCESS_TOKEN_SCOPES],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "aud", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": PRODUCT_FAMILY_CODE,
                "version": PLATFORM_VERSION,
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
            },
        }

    def _register(self):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            # LTI Dynamic Registration 1.0 (Client registration): the registration token is single-use.
            if scheme.lower() != "bearer" or token not in self._registration_tokens:
                raise _Rejection(401, "registration needs the registration_token as a bearer token")
            self._registration_tokens.discard(token)
        if request.mimetype != "application/json":
            raise _Rejection(400, f"registration Content-Type must be application/json, got {request.mimetype}")
        body = request.get_json(silent=True)
        problems = _registration_problems(body)
        if problems:
            raise _Rejection(400, "; ".join(problems), oauth_error="invalid_client_metadata")

        config = body[TOOL_CONFIGURATION]
        deep_linking = next(m for m in config["messages"] if m["type"] == "LtiDeepLinkingRequest")
        tool = ToolRegistration(
            client_id=secrets.token_urlsafe(12),
            deployment_id=f"deployment-{secrets.token_hex(3)}",
            redirect_uris=list(body["redirect_uris"]),
            scopes=set(body["scope"].split()),
        )
        (
            self._registration.set_client_id(tool.client_id)
            .set_deployment_id(tool.deployment_id)
            .set_launch_url(config["target_link_uri"])
            .set_deeplink_launch_url(deep_linking.get("target_link_uri") or config["target_link_uri"])
            .set_oidc_login_url(body["initiate_login_uri"])
            .set_tool_key_set_url(body["jwks_uri"])
            .set_tool_key_set(None)
        )
        self.tool = tool
        self._record("registrations", body)

        # Dynamic Registration (Client registration response): the registration echoed with the client_id,
        # and the deployment_id inside the tool configuration.
        answer = copy.deepcopy(body)
        answer["client_id"] = tool.client_id
        answer[TOOL_CONFIGURATION]["deployment_id"] = tool.deployment_id
        return answer

    # ---- launch ----

    def _start(self):
        """Manual testing: /start?user=student-1&message=resource sends a browser to the tool's login."""
        self._require_tool()
        user_id = request.args.get("user", "student-1")
        message = request.args.get("message", MESSAGE_RESOURCE)
        if user_id not in USERS or message not in (MESSAGE_RESOURCE, MESSAGE_RESOURCE_UNLINKED, MESSAGE_DEEP_LINK):
            raise _Rejection(400, f"unknown user {user_id!r} or message {message!r}")
        return Response(status=302, headers={"Location": self.login_initiation_url(user_id, message)})

    def _authorize(self):
        tool = self._require_tool()
        params = request.values
        # Security Framework 1.0 §5.1.1.2 and OIDC Core §3.1.2.1: the authentication request from the tool.
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
        problems = [
            f"{name} must be {value!r}, got {params.get(name)!r}"
            for name, value in expected.items()
            if params.get(name) != value
        ]
        if params.get("client_id") != tool.client_id:
            problems.append(f"client_id {params.get('client_id')!r} is not the registered one")
        if params.get("redirect_uri") not in tool.redirect_uris:
            problems.append(f"redirect_uri {params.get('redirect_uri')!r} is not a registered redirect_uri")
        if params.get("login_hint") not in USERS:
            problems.append(f"login_hint {params.get('login_hint')!r} names no user")
        if params.get("lti_message_hint") not in (MESSAGE_RESOURCE, MESSAGE_RESOURCE_UNLINKED, MESSAGE_DEEP_LINK):
            problems.append(f"lti_message_hint {params.get('lti_message_hint')!r} names no message")
        problems += [f"{name} is missing" for name in ("nonce", "state") if not params.get(name)]
        if problems:
            raise _Rejection(400, "; ".join(problems))
        return _Launch(request, self._conf(), self).lti_launch()

    # ---- OAuth 2 token endpoint (Security Framework 1.0 §4.1) ----

    def _token(self):
        tool = self._require_tool()
        form = request.form
        if form.get("grant_type") != "client_credentials":
            raise _Rejection(400, "grant_type must be client_credentials", oauth_error="unsupported_grant_type")
        if form.get("client_assertion_type") != JWT_BEARER:
            raise _Rejection(400, f"client_assertion_type must be {JWT_BEARER}", oauth_error="invalid_request")
        if not form.get("client_assertion") or not form.get("scope"):
            raise _Rejection(400, "client_assertion and scope are required", oauth_error="invalid_request")

        claims = self._decode_tool_jwt(form["client_assertion"], oauth_error="invalid_client")
        token_url = f"{self.issuer}/token"
        problems = []
        # Security Framework 1.0 §4.1.1: iss and sub are the client_id, aud names the token endpoint, and jti
        # makes the assertion single-use. The library checks the signature and a present exp only.
        if claims.get("iss") != tool.client_id or claims.get("sub") != tool.client_id:
            problems.append("iss and sub must both be the client_id")
        if not _audience_has(claims, token_url):
            problems.append(f"aud must be the token endpoint {token_url}")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
            problems.append("exp must be present and in the future")
        jti = claims.get("jti")
        with self._lock:
            if not jti or jti in self._used_assertion_ids:
                problems.append("jti must be present and not reused")
            else:
                self._used_assertion_ids.add(jti)
        if problems:
            raise _Rejection(401, "; ".join(problems), oauth_error="invalid_client")

        granted = [scope for scope in form["scope"].split() if scope in tool.scopes]
        if not granted:
            raise _Rejection(400, f"none of the scopes {form['scope']!r} was registered", oauth_error="invalid_scope")
        grant = self._conf().get_access_token({**form.to_dict(), "scope": " ".join(granted)})
        self._record("token_requests", grant["scope"])
        # RFC 6749 §5.1; the library answers token_type "bearer", we spell it as the LTI examples do.
        return {
            "access_token": grant["access_token"],
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": grant["scope"],
        }

    # ---- Assignment and Grade Services 2.0 ----

    def _line_item(self, number: int) -> dict:
        # Like Moodle, the line item URL carries the tool type; a tool that drops the query gets a 404.
        if request.args.get("type_id") != TYPE_ID or number not in self._line_items:
            raise _Rejection(
                404, f"no line item at {request.full_path.rstrip('?')} (the ?type_id=1 query is part of it)"
            )
        return self._line_items[number]

    def _line_items_list(self):
        self._check_bearer([SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY])
        # AGS 2.0 (Line item service): the container may be filtered by resource_link_id, resource_id, tag.
        filters = {"resource_link_id": "resourceLinkId", "resource_id": "resourceId", "tag": "tag"}
        items = [
            item
            for item in self._line_items.values()
            if all(item.get(field) == request.args[param] for param, field in filters.items() if param in request.args)
        ]
        return Response(json.dumps(items), mimetype=MEDIA_LINEITEM_CONTAINER)

    def _line_item_create(self):
        self._check_bearer([SCOPE_LINEITEM])
        if request.mimetype != MEDIA_LINEITEM:
            raise _Rejection(415, f"a new line item must be sent as {MEDIA_LINEITEM}, got {request.mimetype}")
        item = request.get_json(force=True, silent=True)
        if not isinstance(item, dict):
            raise _Rejection(400, "the line item must be a JSON object")
        # AGS 2.0 (Line item service): label and a scoreMaximum above 0 are required.
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            raise _Rejection(400, "label is required")
        if not _is_number(item.get("scoreMaximum")) or item["scoreMaximum"] <= 0:
            raise _Rejection(400, "scoreMaximum must be a number above 0")
        with self._lock:
            number = max(self._line_items) + 1
            item["id"] = self.line_item_url(number)
            self._line_items[number] = item
        return Response(json.dumps(item), status=201, mimetype=MEDIA_LINEITEM)

    def _line_item_get(self, number: int):
        self._check_bearer([SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY])
        return Response(json.dumps(self._line_item(number)), mimetype=MEDIA_LINEITEM)

    def _score(self, number: int):
        attempt = {
            "url": request.url,
            "status": None,
            "score": request.get_json(force=True, silent=True),
            "reason": None,
        }
        try:
            self._check_bearer([SCOPE_SCORE])
            with self._lock:
                failing = self._failing_score_posts > 0
                if failing:
                    self._failing_score_posts -= 1
            if failing:
                raise _Rejection(503, "test knob: score service unavailable", headers={"Retry-After": "1"})
            self._line_item(number)
            if request.mimetype != MEDIA_SCORE:
                raise _Rejection(415, f"a score must be sent as {MEDIA_SCORE}, got {request.mimetype}")
            problems = _score_problems(attempt["score"])
            if problems:
                raise _Rejection(400, "; ".join(problems))
        except _Rejection as rejection:
            attempt.update(status=rejection.status, reason=rejection.reason)
            self._record("scores", attempt)
            raise
        attempt["status"] = 204
        self._record("scores", attempt)
        return Response(status=204)

    def _fail_scores(self):
        """Test knob: {"count": N} makes the next N score posts answer 503."""
        count = (request.get_json(silent=True) or {}).get("count")
        if not isinstance(count, int) or count < 0:
            raise _Rejection(400, 'send {"count": N} with N >= 0')
        with self._lock:
            self._failing_score_posts = count
        return {"count": count}

    # ---- Names and Role Provisioning Services 2.0 ----

    def _memberships(self):
        self._check_bearer([SCOPE_NRPS])
        # NRPS 2.0: the tool asks for the membership container media type.
        if MEDIA_MEMBERSHIPS not in request.headers.get("Accept", ""):
            raise _Rejection(406, f"Accept must name {MEDIA_MEMBERSHIPS}")
        page = request.args.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise _Rejection(400, f"page must be a positive integer, got {page!r}")
        page = int(page)
        members = [_member(user) for user in USERS.values()]
        start = (page - 1) * NRPS_PAGE_SIZE
        base_url = f"{self.issuer}/nrps/memberships"
        container = {
            "id": base_url,
            "context": {key: CONTEXT[key] for key in ("id", "label", "title")},
            "members": members[start : start + NRPS_PAGE_SIZE],
        }
        headers = {}
        if start + NRPS_PAGE_SIZE < len(members):
            # NRPS 2.0 (Limit query parameter): the next page is announced in an RFC 8288 Link header.
            query = [(name, value) for name, value in parse_qsl(request.query_string.decode()) if name != "page"]
            headers["Link"] = f'<{base_url}?{urlencode([*query, ("page", page + 1)])}>; rel="next"'
        self._record("nrps_pages", page)
        return Response(json.dumps(container), mimetype=MEDIA_MEMBERSHIPS, headers=headers)

    # ---- Deep Linking 2.0 return ----

    def _deep_link_return(self):
        tool = self._require_tool()
        token = request.form.get("JWT")
        if not token:
            raise _Rejection(400, "the deep-linking response must be posted as form field JWT")
        claims = self._decode_tool_jwt(token)

        # LTI-DL 2.0 (Deep linking response message) and LTI 1.3 (tool-originated messages).
        problems = []
        if claims.get("iss") != tool.client_id:
            problems.append("iss must be the client_id")
        if not _audience_has(claims, self.issuer):
            problems.append(f"aud must be the platform issuer {self.issuer}")
        if not isinstance(claims.get("exp"), (int, float)):
            problems.append("exp is missing")
        if claims.get(CLAIM_MESSAGE_TYPE) != "LtiDeepLinkingResponse":
            problems.append("message_type must be LtiDeepLinkingResponse")
        if claims.get(CLAIM_VERSION) != "1.3.0":
            problems.append("version must be 1.3.0")
        if claims.get(CLAIM_DEPLOYMENT_ID) != tool.deployment_id:
            problems.append("deployment_id is not ours")
        if claims.get(CLAIM_DL_DATA) != DEEP_LINK_DATA:
            problems.append(f"data must echo the request's {DEEP_LINK_DATA!r}")
        nonce = claims.get("nonce")
        with self._lock:
            if not nonce or nonce in self._used_deep_link_nonces:
                problems.append("nonce must be present and not reused")
            else:
                self._used_deep_link_nonces.add(nonce)
        items = claims.get(CLAIM_DL_CONTENT_ITEMS, [])
        problems += _content_item_problems(items)
        if problems:
            raise _Rejection(400, "; ".join(problems))

        self._record("deep_link_returns", items)
        titles = "".join(f"<li>{html.escape(str(item.get('title', '')))}</li>" for item in items)
        return Response(
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Contenus ajoutés</title></head>'
            f"<body><p>{len(items)} contenu(s) ajouté(s) :</p><ul>{titles}</ul></body></html>",
            mimetype="text/html",
        )


def _member(user: User) -> dict:
    member = {
        "user_id": user.user_id,
        "status": "Active",
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "roles": [user.role],
    }
    if user.email:
        member["email"] = user.email
    return member


def _registration_problems(body) -> list[str]:
    """Every way a registration request breaks LTI Dynamic Registration 1.0 (Client registration request)."""
    if not isinstance(body, dict):
        return ["the registration must be a JSON object"]
    problems = []
    if body.get("application_type") != "web":
        problems.append("application_type must be 'web'")
    grant_types = body.get("grant_types")
    if not isinstance(grant_types, list) or not {"implicit", "client_credentials"} <= set(grant_types):
        problems.append("grant_types must include implicit and client_credentials")
    if body.get("response_types") != ["id_token"]:
        problems.append("response_types must be ['id_token']")
    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris or not all(map(_is_http_url, redirect_uris)):
        problems.append("redirect_uris must be a non-empty list of URLs")
    for name in ("initiate_login_uri", "jwks_uri"):
        if not _is_http_url(body.get(name)):
            problems.append(f"{name} must be a URL")
    if not isinstance(body.get("client_name"), str) or not body["client_name"].strip():
        problems.append("client_name is required")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    scope = body.get("scope")
    if not isinstance(scope, str):
        problems.append("scope must be a space-separated string")
    else:
        problems += [f"scope {s} is not supported" for s in scope.split() if s not in LTI_1P3_ACCESS_TOKEN_SCOPES]

    config = body.get(TOOL_CONFIGURATION)
    if not isinstance(config, dict):
        return problems + [f"{TOOL_CONFIGURATION} must be an object"]
    domain = config.get("domain")
    if not isinstance(domain, str) or not domain:
        problems.append("lti-tool-configuration.domain is required")
    if not _is_http_url(config.get("target_link_uri")):
        problems.append("lti-tool-configuration.target_link_uri must be a URL")
    elif domain not in (urlsplit(config["target_link_uri"]).hostname, urlsplit(config["target_link_uri"]).netloc):
        problems.append(f"lti-tool-configuration.domain {domain!r} is not the host of target_link_uri")
    claims = config.get("claims")
    if not isinstance(claims, list) or not all(isinstance(claim, str) for claim in claims):
        problems.append("lti-tool-configuration.claims must be a list of claim names")
    messages = config.get("messages")
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and isinstance(m.get("type"), str) for m in messages
    ):
        problems.append("lti-tool-configuration.messages must be a list of objects with a type")
    else:
        if "LtiDeepLinkingRequest" not in {m["type"] for m in messages}:
            problems.append("lti-tool-configuration.messages must offer LtiDeepLinkingRequest")
        problems += [
            f"message {m['type']} has a target_link_uri that is not a URL"
            for m in messages
            if "target_link_uri" in m and not _is_http_url(m["target_link_uri"])
        ]
    return problems


def _score_problems(score) -> list[str]:
    """Every way a score breaks AGS 2.0 (Score publish service), plus our course's rules."""
    if not isinstance(score, dict):
        return ["the score must be a JSON object"]
    problems = []
    user = USERS.get(score.get("userId"))
    if user is None:
        problems.append(f"userId {score.get('userId')!r} is not a member of the course")
    elif user.role != LEARNER:
        # Moodle refuses scores for non-learners (HTTP 400); we do the same.
        problems.append(f"userId {user.user_id} is not a learner")
    if score.get("activityProgress") not in ACTIVITY_PROGRESS:
        problems.append(f"activityProgress {score.get('activityProgress')!r} is not one of {sorted(ACTIVITY_PROGRESS)}")
    if score.get("gradingProgress") not in GRADING_PROGRESS:
        problems.append(f"gradingProgress {score.get('gradingProgress')!r} is not one of {sorted(GRADING_PROGRESS)}")
    try:
        if datetime.fromisoformat(score["timestamp"]).tzinfo is None:
            problems.append("timestamp has no time zone")
    except (KeyError, TypeError, ValueError):
        problems.append(f"timestamp {score.get('timestamp')!r} is not an ISO 8601 date-time")
    if "scoreGiven" in score:
        given, maximum = score["scoreGiven"], score.get("scoreMaximum")
        # A scoreGiven needs a positive scoreMaximum; AGS allows extra credit above it, our course does not.
        if not _is_number(given) or given < 0:
            problems.append("scoreGiven must be a number >= 0")
        elif not _is_number(maximum) or maximum <= 0:
            problems.append("scoreGiven needs a scoreMaximum above 0")
        elif given > maximum:
            problems.append("scoreGiven is above scoreMaximum")
    return problems


def _content_item_problems(items) -> list[str]:
    """Every way content items break LTI-DL 2.0 (Content item types) for what we asked: ltiResourceLink."""
    if not isinstance(items, list):
        return ["content_items must be a list"]
    problems = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
            problems.append(f"content item {index} is not an ltiResourceLink")
            continue
        if "url" in item and not _is_http_url(item["url"]):
            problems.append(f"content item {index} url is not a URL")
        custom = item.get("custom", {})
        # LTI-DL 2.0 (LTI resource link): custom is a map of string values.
        if not isinstance(custom, dict) or not all(isinstance(value, str) for value in custom.values()):
            problems.append(f"content item {index} custom must map names to strings")
    return problems


def main() -> None:
    """Runs the platform in the foreground for manual testing."""
    platform = Platform()
    issuer = platform.start(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0, quiet=False)
    token = secrets.token_urlsafe(16)
    platform.expect_registration_token(token)
    query = urlencode({"openid_configuration": platform.openid_configuration_url, "registration_token": token})
    print(f"platform issuer: {issuer}")
    print(f"register a tool: open TOOL/lti/register?{query}")
    print(f"then launch:     {issuer}/start?user=student-1|student-2|teacher-1&message=resource|deep_link")
    print(f"what it saw:     {issuer}/test/records")
    threading.Event().wait()


if __name__ == "__main__":
    main()
