"""Peer test: a full LTI 1.3 Advantage round trip between the Class'Code Hub (the tool) and a platform built on
PyPI `lti1p3platform` (lti_platform.py), with this script as the browser.

Env: HUB_URL (e.g. http://127.0.0.1:41234, no trailing slash) and ADMIN_TOKEN (sent as a bearer token with the
registration request, the one step an administrator starts).
It starts the platform on a free loopback port, then: dynamic registration; student launches (login by GET and by
POST); replayed and tampered id_tokens; the module's final quiz answered in the player, whose score must come back
as an AGS score after two 503s, while a score claimed with the browser's launch token never does; a teacher launch
whose quiz gives no score and whose roster follows NRPS paging; deep linking.
Each check prints `PASS name` or `FAIL name: why`; the last line is `lti-platform: N passed, M failed`, and the
exit code is 1 when M > 0.
"""

import json
import os
import tomllib
import re
import secrets
import sys
import time
import uuid
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qs, parse_qsl, urljoin, urlsplit

import requests

from lti_platform import MESSAGE_DEEP_LINK, MESSAGE_RESOURCE, MESSAGE_RESOURCE_UNLINKED, RESOURCE_LINK_ID_UNLINKED, Platform

TIMEOUT = 15  # seconds for each HTTP request
SCORE_WAIT = 30  # seconds the hub has to deliver the score, retries included
TEACHER_SCORE_WAIT = 3  # seconds to wait for a teacher score that must not come
FAILED_SCORE_POSTS = 2
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
PLAYER_ATTRIBUTES = (
    "data-launch-id",
    "data-xapi-endpoint",
    "data-xapi-auth",
    "data-xapi-actor",
    "data-xapi-registration",
    "data-activity-id",
)
ROSTER = {"student-1": "Camille Martin", "student-2": "Noah Bernard", "teacher-1": "Inès Moreau"}
FINAL_QUIZ = "fr.classcode.information#quiz-final"
FINAL_QUIZ_FILE = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "content", "demo", "information", "quizzes", "final.toml"
)


def final_quiz_answers(right: int) -> tuple[list[tuple[str, str]], float]:
    """Form fields answering the demo module's final quiz, the first `right` questions correctly and the others
    not at all, and the scaled score the hub must give them."""
    with open(FINAL_QUIZ_FILE, "rb") as file:
        questions = tomllib.load(file)["questions"]
    fields, points, total = [], 0.0, 0.0
    for index, question in enumerate(questions):
        weight = float(question.get("points", 1))
        total += weight
        if index >= right:
            continue
        points += weight
        name = f"q:{question['id']}"
        if question["kind"] == "numeric":
            fields.append((name, str(question["answer"])))
        elif question["kind"] == "text":
            fields.append((name, question["accepted"][0]))
        else:
            fields.extend((name, choice["id"]) for choice in question["choices"] if choice["correct"])
    return fields, points / total


class Abort(Exception):
    """Ends the current section; the check that failed has been printed."""


class Page(HTMLParser):
    """What a driver needs from an HTML page: its forms (action, method, inputs) and the attributes of the
    first element that carries `data-launch-id` (the player's root)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.player: dict | None = None
        self._open_form: dict | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if self.player is None and "data-launch-id" in attributes:
            self.player = attributes
        if tag == "form":
            self._open_form = {
                "action": attributes.get("action", ""),
                "method": attributes.get("method", "get").lower(),
                "inputs": [],
            }
            self.forms.append(self._open_form)
        elif tag == "input" and self._open_form is not None:
            self._open_form["inputs"].append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open_form = None

    def form(self, action_pattern: str = "") -> dict | None:
        """The first form whose action matches `action_pattern` (a regular expression)."""
        return next((form for form in self.forms if re.search(action_pattern, form["action"])), None)


def hidden_fields(form: dict) -> list[tuple[str, str]]:
    return [
        (field["name"], field.get("value", ""))
        for field in form["inputs"]
        if field.get("type", "text").lower() == "hidden" and field.get("name")
    ]


def is_html(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


def describe(response: requests.Response) -> str:
    return f"HTTP {response.status_code} {response.headers.get('Content-Type', '')}: {response.text[:300]!r}"


def summary(attempt: dict) -> str:
    """One score POST the platform recorded, in a line."""
    return f"HTTP {attempt['status']} {attempt['url']} {json.dumps(attempt['score'])} {attempt['reason'] or ''}".strip()


def score_ratio(score: dict) -> float | None:
    try:
        return score["scoreGiven"] / score["scoreMaximum"]
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def completed_statement(player: dict) -> dict:
    """The statement the player sends when its learner completes the module with 85 %."""
    return {
        "actor": json.loads(player["data-xapi-actor"]),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": {"id": player["data-activity-id"], "objectType": "Activity"},
        "result": {"completion": True, "success": True, "score": {"scaled": 0.85}},
        "context": {"registration": player["data-xapi-registration"]},
    }


def mentions(member, user_id: str) -> bool:
    """A roster entry names a user by the platform's user id or by full name (the hub picks its fields)."""
    text = json.dumps(member, ensure_ascii=False)
    return user_id in text or ROSTER[user_id] in text


def tamper(id_token: str) -> str:
    """Changes one character in the middle of the signature (the last one may only hold padding bits)."""
    header, payload, signature = id_token.split(".")
    middle = len(signature) // 2
    replacement = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{replacement}{signature[middle + 1 :]}"


class RoundTrip:
    def __init__(self, hub: str, admin_token: str) -> None:
        self.hub = hub
        self.admin_token = admin_token
        self.platform = Platform()
        self.browser = requests.Session()
        self.passed = 0
        self.failed = 0
        self.student: dict | None = None  # player attributes of student-1's launch
        self.student_launch: tuple[str, list] | None = None  # where and with what id_token and state
        self.teacher: dict | None = None  # player attributes of teacher-1's launch

    # ---- reporting ----

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)
        return ok

    def need(self, name: str, ok: bool, detail: str = "") -> None:
        """A check that the rest of the section depends on."""
        if not self.check(name, ok, detail):
            raise Abort

    def requires(self, section: str, what: str, ok: bool) -> None:
        """A section that cannot run for want of an earlier result counts one failure, and says why."""
        if not ok:
            self.need(f"{section}: skipped", False, f"needs {what}")

    def run(self) -> int:
        self.platform.start()
        self.platform.set_resource_link_target(f"{self.hub}/lti/launch")
        try:
            for section in (
                self.registration,
                self.student_launches,
                self.replay_and_tampering,
                self.grade_passback,
                self.grade_without_line_item,
                self.teacher_launch,
                self.roster,
                self.deep_linking,
                self.platform_view,
            ):
                try:
                    section()
                except Abort:
                    pass
                except requests.RequestException as error:
                    self.check(f"{section.__name__}: HTTP exchange", False, repr(error))
        finally:
            self.platform.stop()
        print(f"lti-platform: {self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0

    # ---- HTTP helpers ----

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.browser.get(url, timeout=TIMEOUT, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.browser.post(url, timeout=TIMEOUT, **kwargs)

    def post_statement(self, player: dict, statement: dict) -> requests.Response:
        """Sends a statement the way the player does, with the launch's xAPI endpoint and credentials."""
        endpoint = urljoin(f"{self.hub}/", player["data-xapi-endpoint"])
        return requests.post(
            f"{endpoint}statements",
            json=statement,
            headers={"Authorization": player["data-xapi-auth"], "X-Experience-API-Version": "1.0.3"},
            timeout=TIMEOUT,
        )

    def authorize(self, label: str, user_id: str, message: str, by_post: bool = False) -> tuple[str, list]:
        """Third-party-initiated login at the hub, then the platform's authorization endpoint; returns the
        launch form's action and fields (id_token, state) without posting them."""
        login_url = self.platform.login_initiation_url(user_id, message)
        if by_post:
            # Security Framework 1.0 §5.1.1.1: the login initiation may be a GET or a form POST.
            base, _, query = login_url.partition("?")
            response = self.post(base, data=parse_qsl(query), allow_redirects=False)
        else:
            response = self.get(login_url, allow_redirects=False)
        location = response.headers.get("Location", "")
        self.need(
            f"{label}: login redirects to the platform's /authorize",
            response.status_code in (302, 303) and location.startswith(f"{self.platform.issuer}/authorize?"),
            describe(response) + f" Location={location!r}",
        )

        # Security Framework 1.0 §5.1.1.2: the authentication request the tool sends to the platform.
        params = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        expected = {
            "client_id": self.platform.tool.client_id,
            "redirect_uri": f"{self.hub}/lti/launch",
            "response_type": "id_token",
            "response_mode": "form_post",
            "scope": "openid",
            "prompt": "none",
            "login_hint": user_id,
            "lti_message_hint": message,
        }
        wrong = [
            f"{name}={params.get(name)!r}, want {value!r}"
            for name, value in expected.items()
            if params.get(name) != value
        ]
        wrong += [f"{name} is missing" for name in ("nonce", "state") if not params.get(name)]
        self.need(f"{label}: authentication request carries the OIDC parameters", not wrong, "; ".join(wrong))

        response = self.get(location)
        form = Page(response.text).form() if response.status_code == 200 else None
        fields = dict(hidden_fields(form)) if form else {}
        self.need(
            f"{label}: platform answers the id_token form",
            form is not None
            and form["action"] == expected["redirect_uri"]
            and fields.get("state") == params["state"]
            and bool(fields.get("id_token")),
            describe(response),
        )
        return form["action"], hidden_fields(form)

    def submit_final_quiz(self, player: dict, right: int) -> tuple[requests.Response, float]:
        """Answers the module's final quiz in the player, as the learner's browser posts its form."""
        fields, scaled = final_quiz_answers(right)
        response = self.post(
            f"{self.hub}/player/quiz",
            data=[("session", player["data-session-token"]), ("activity", FINAL_QUIZ), *fields],
        )
        return response, scaled

    def post_launch(self, label: str, action: str, fields: list) -> tuple[requests.Response, Page]:
        """Posts the launch form to the hub; returns its answer and the parsed page."""
        response = self.post(action, data=fields)
        self.need(
            f"{label}: hub answers the launch with an HTML page",
            response.status_code == 200 and is_html(response),
            describe(response),
        )
        return response, Page(response.text)

    def launch(self, label: str, user_id: str, message: str, by_post: bool = False) -> tuple[requests.Response, Page]:
        return self.post_launch(label, *self.authorize(label, user_id, message, by_post))

    def check_player(self, label: str, page: Page, user_id: str) -> dict:
        """The player's root element must carry what the player needs to send xAPI for `user_id`."""
        player = page.player or {}
        missing = [name for name in PLAYER_ATTRIBUTES if not player.get(name)]
        self.need(f"{label}: page root carries {', '.join(PLAYER_ATTRIBUTES)}", not missing, f"missing {missing}")
        endpoint = urljoin(f"{self.hub}/", player["data-xapi-endpoint"])
        self.check(f"{label}: data-xapi-endpoint is the LRS base", endpoint.endswith("/xapi/"), endpoint)
        try:
            account = json.loads(player["data-xapi-actor"]).get("account", {})
        except (ValueError, AttributeError):
            account = {}
        self.need(
            f"{label}: data-xapi-actor is an account on the platform issuer named {user_id}",
            account.get("homePage") == self.platform.issuer and account.get("name") == user_id,
            player["data-xapi-actor"],
        )
        try:
            uuid.UUID(player["data-xapi-registration"])
            is_uuid = True
        except ValueError:
            is_uuid = False
        self.check(f"{label}: data-xapi-registration is a UUID", is_uuid, player["data-xapi-registration"])
        self.check(
            f"{label}: data-activity-id is an IRI",
            re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", player["data-activity-id"]) is not None,
            player["data-activity-id"],
        )
        return player

    # ---- sections ----

    def registration(self) -> None:
        token = secrets.token_urlsafe(24)
        self.platform.expect_registration_token(token)
        # The admin takes the registration URL (it carries the hub's invitation) from the hub, as
        # `classcode lti tool-info` prints it; without the invitation the hub refuses to register.
        tool = self.get(f"{self.hub}/api/admin/lti/tool", headers={"Authorization": f"Bearer {self.admin_token}"})
        self.need("registration: the admin API gives the tool's URLs", tool.status_code == 200, describe(tool))
        registration_url = tool.json()["dynamic_registration"]
        params = {"openid_configuration": self.platform.openid_configuration_url, "registration_token": token}
        uninvited = self.get(f"{self.hub}/lti/register", params=params)
        self.check("registration: a URL without the invitation is refused (403)", uninvited.status_code == 403, describe(uninvited))
        response = self.get(registration_url, params=params)
        self.check(
            "registration: hub page is 200 HTML with the org.imsglobal.lti.close message",
            response.status_code == 200 and is_html(response) and "org.imsglobal.lti.close" in response.text,
            describe(response),
        )
        registrations = self.platform.records()["registrations"]
        self.need(
            "registration: platform accepted one tool registration",
            len(registrations) == 1 and self.platform.tool is not None,
            f"{len(registrations)} accepted; platform rejections: {self.platform.records()['rejections']}",
        )
        body = registrations[0]
        config = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]
        scopes = body["scope"].split()
        wrong = []
        if body["jwks_uri"] != f"{self.hub}/lti/jwks":
            wrong.append(f"jwks_uri {body['jwks_uri']}")
        if body["initiate_login_uri"] != f"{self.hub}/lti/login":
            wrong.append(f"initiate_login_uri {body['initiate_login_uri']}")
        if f"{self.hub}/lti/launch" not in body["redirect_uris"] or not all(
            uri.startswith(self.hub) for uri in body["redirect_uris"]
        ):
            wrong.append(f"redirect_uris {body['redirect_uris']}")
        if not config["target_link_uri"].startswith(self.hub):
            wrong.append(f"target_link_uri {config['target_link_uri']}")
        wrong += [f"scope lacks {scope}" for scope in (SCOPE_SCORE, SCOPE_NRPS) if scope not in scopes]
        self.check("registration: tool registration names the hub's endpoints and scopes", not wrong, "; ".join(wrong))

    def student_launches(self) -> None:
        self.requires("student launch", "a registered tool", self.platform.tool is not None)
        label = "student launch (GET login)"
        self.student_launch = self.authorize(label, "student-1", MESSAGE_RESOURCE)
        _, page = self.post_launch(label, *self.student_launch)
        self.student = self.check_player(label, page, "student-1")

        _, page = self.launch("student launch (POST login)", "student-1", MESSAGE_RESOURCE, by_post=True)
        self.check_player("student launch (POST login)", page, "student-1")

    def replay_and_tampering(self) -> None:
        self.requires("replay", "a student launch", self.student_launch is not None)
        # Security Framework 1.0 §5.1.3: the tool accepts a nonce (and so an id_token) once only.
        action, fields = self.student_launch
        response = self.post(action, data=fields)
        self.check(
            "replay: the same id_token and state again is a 4xx HTML page",
            400 <= response.status_code < 500 and is_html(response),
            describe(response),
        )
        action, fields = self.authorize("tampered launch", "student-1", MESSAGE_RESOURCE)
        fields = [(name, tamper(value) if name == "id_token" else value) for name, value in fields]
        response = self.post(action, data=fields)
        self.check(
            "tampered launch: an id_token with a changed signature is a 4xx HTML page",
            400 <= response.status_code < 500 and is_html(response),
            describe(response),
        )

    def grade_passback(self) -> None:
        self.requires("grade passback", "a student launch", self.student is not None)
        student = self.student
        knob = requests.post(
            f"{self.platform.issuer}/test/fail-scores", json={"count": FAILED_SCORE_POSTS}, timeout=TIMEOUT
        )
        self.need("grade passback: platform will fail the next 2 score posts", knob.status_code == 200, describe(knob))
        first_attempt = len(self.platform.records()["scores"])

        statement = completed_statement(student)
        response = self.post_statement(student, statement)
        self.need(
            "grade passback: a score claimed with the browser's launch token is stored as a statement",
            response.status_code == 200,
            describe(response),
        )
        response, expected = self.submit_final_quiz(student, right=8)
        self.need(
            "grade passback: the final quiz is scored by the player",
            response.status_code == 200 and 'id="quiz-score"' in response.text,
            describe(response),
        )

        deadline = time.monotonic() + SCORE_WAIT
        attempts, accepted = [], None
        while accepted is None and time.monotonic() < deadline:
            time.sleep(0.25)
            attempts = self.platform.records()["scores"][first_attempt:]
            accepted = next(
                (
                    index
                    for index, attempt in enumerate(attempts)
                    if attempt["status"] == 204 and (attempt["score"] or {}).get("userId") == "student-1"
                ),
                None,
            )
        self.need(
            f"grade passback: platform got a score for student-1 within {SCORE_WAIT} s",
            accepted is not None,
            f"score posts seen: {[summary(attempt) for attempt in attempts]}",
        )
        attempt = attempts[accepted]
        score, url = attempt["score"], urlsplit(attempt["url"])
        self.check(
            f"grade passback: score is the quiz's {expected:.0%}, Completed and FullyGraded",
            score_ratio(score) is not None
            and abs(score_ratio(score) - expected) < 1e-9
            and score.get("activityProgress") == "Completed"
            and score.get("gradingProgress") == "FullyGraded",
            json.dumps(score),
        )
        self.check(
            "grade passback: score went to the line item's /scores with its ?type_id=1 query",
            url.path.endswith("/ags/lineitems/1/scores") and url.query == "type_id=1",
            attempt["url"],
        )
        claimed = [
            attempt
            for attempt in attempts
            if score_ratio(attempt["score"] or {}) is not None and abs(score_ratio(attempt["score"]) - 0.85) < 1e-9
        ]
        self.check(
            "grade passback: the 85 % claimed with the launch token never became a grade",
            not claimed,
            str([summary(attempt) for attempt in claimed]),
        )
        failures = [
            earlier
            for earlier in attempts[:accepted]
            if earlier["status"] == 503 and (earlier["score"] or {}).get("userId") == "student-1"
        ]
        self.check(
            f"grade passback: hub retried after {FAILED_SCORE_POSTS} answers 503",
            len(failures) >= FAILED_SCORE_POSTS,
            f"attempts before success: {[summary(attempt) for attempt in attempts[:accepted]]}",
        )

        other_actor = {
            "objectType": "Agent",
            "account": {"homePage": self.platform.issuer, "name": "student-2"},
        }
        response = self.post_statement(student, {**statement, "actor": other_actor})
        self.check(
            "grade passback: a statement about another learner with student-1's credentials is a 403",
            response.status_code == 403,
            describe(response),
        )

    def grade_without_line_item(self) -> None:
        """A launch whose AGS claim has only `lineitems`: the hub finds or creates the link's line item."""
        self.requires("line item creation", "a registered tool", self.platform.tool is not None)
        _, page = self.launch("launch without line item", "student-2", MESSAGE_RESOURCE_UNLINKED)
        player = self.check_player("launch without line item", page, "student-2")
        response, expected = self.submit_final_quiz(player, right=6)
        self.need("line item creation: the final quiz is scored", response.status_code == 200, describe(response))
        deadline = time.monotonic() + SCORE_WAIT
        accepted = None
        while accepted is None and time.monotonic() < deadline:
            time.sleep(0.25)
            accepted = next(
                (
                    attempt
                    for attempt in self.platform.records()["scores"]
                    if attempt["status"] == 204 and (attempt["score"] or {}).get("userId") == "student-2"
                ),
                None,
            )
        self.need(f"line item creation: a score for student-2 arrived within {SCORE_WAIT} s", accepted is not None, "")
        created = [item for item in self.platform.line_items() if item.get("resourceLinkId") == RESOURCE_LINK_ID_UNLINKED]
        self.check(
            "line item creation: the hub created one line item for the resource link",
            len(created) == 1 and created[0].get("scoreMaximum", 0) > 0,
            json.dumps(self.platform.line_items()),
        )
        url = urlsplit(accepted["url"])
        self.check(
            f"line item creation: the score went to the created line item's /scores, at the quiz's {expected:.0%}",
            bool(created)
            and accepted["url"].split("?")[0] == created[0]["id"].split("?")[0] + "/scores"
            and score_ratio(accepted["score"]) is not None
            and abs(score_ratio(accepted["score"]) - expected) < 1e-9,
            f"{accepted['url']} {json.dumps(accepted['score'])} {url.query}",
        )

    def teacher_launch(self) -> None:
        self.requires("teacher launch", "a registered tool", self.platform.tool is not None)
        _, page = self.launch("teacher launch", "teacher-1", MESSAGE_RESOURCE)
        self.teacher = page.player
        teacher = self.check_player("teacher launch", page, "teacher-1")
        response, _ = self.submit_final_quiz(teacher, right=4)
        self.check(
            "teacher launch: the teacher's final quiz is scored",
            response.status_code == 200 and 'id="quiz-score"' in response.text,
            describe(response),
        )
        # Runs after the student's score arrived, so the hub has had time to post one for the teacher too.
        time.sleep(TEACHER_SCORE_WAIT)
        teacher_scores = [
            attempt
            for attempt in self.platform.records()["scores"]
            if (attempt["score"] or {}).get("userId") == "teacher-1"
        ]
        self.check(
            "teacher launch: a teacher's quiz posts no score",
            not teacher_scores,
            str([summary(attempt) for attempt in teacher_scores]),
        )

    def roster(self) -> None:
        self.requires("roster", "a teacher launch", self.teacher is not None)
        teacher = self.teacher
        roster_url, session_token = teacher.get("data-roster-url"), teacher.get("data-session-token")
        self.need(
            "roster: teacher page root carries data-roster-url and data-session-token",
            bool(roster_url and session_token),
            str(teacher),
        )
        roster_url = urljoin(f"{self.hub}/", roster_url)
        response = self.get(roster_url, headers={"Authorization": f"Bearer {session_token}"})
        try:
            members = response.json().get("members") if response.status_code == 200 else None
        except (ValueError, AttributeError):
            members = None
        found = [user_id for user_id in ROSTER if any(mentions(member, user_id) for member in members or [])]
        self.check(
            "roster: the teacher gets all 3 members (the hub followed NRPS paging)",
            isinstance(members, list) and len(members) == 3 and len(found) == 3,
            describe(response),
        )
        pages = self.platform.records()["nrps_pages"]
        self.check("roster: the hub fetched both NRPS pages", {1, 2} <= set(pages), f"pages fetched: {pages}")

        student_token = (self.student or {}).get("data-session-token")
        self.need("roster: student page root carries data-session-token", bool(student_token), str(self.student))
        response = self.get(roster_url, headers={"Authorization": f"Bearer {student_token}"})
        self.check("roster: a student's session token gets a 403", response.status_code == 403, describe(response))

    def deep_linking(self) -> None:
        self.requires("deep linking", "a registered tool", self.platform.tool is not None)
        response, page = self.launch("deep linking", "teacher-1", MESSAGE_DEEP_LINK)
        picker = page.form(r"/lti/deep-linking/response$")
        boxes = [
            field.get("value", "")
            for field in (picker or {"inputs": []})["inputs"]
            if field.get("type", "").lower() == "checkbox" and field.get("name") == "item"
        ]
        self.need(
            "deep linking: hub shows a picker posting to /lti/deep-linking/response with item checkboxes",
            picker is not None and picker["method"] == "post" and len(boxes) >= 2,
            f"forms: {page.forms}",
        )
        picked = boxes[:2]
        response = self.post(
            urljoin(response.url, picker["action"]),
            data=hidden_fields(picker) + [("item", value) for value in picked],
        )
        # LTI-DL 2.0 (Deep linking response message): the tool sends the browser back to the
        # deep_link_return_url with a form POST whose JWT field holds the signed response.
        return_url = f"{self.platform.issuer}/deep-link-return"
        back = Page(response.text).form(f"^{re.escape(return_url)}$") if response.status_code == 200 else None
        self.need(
            "deep linking: hub answers a form posting a JWT to the deep_link_return_url",
            back is not None and back["method"] == "post" and "JWT" in dict(hidden_fields(back)),
            describe(response),
        )
        response = self.post(return_url, data=hidden_fields(back))
        self.need(
            "deep linking: platform accepts the deep-linking response", response.status_code == 200, describe(response)
        )
        items = self.platform.records()["deep_link_returns"][-1]
        wrong = [] if len(items) == 2 else [f"{len(items)} items"]
        for item, value in zip(items, picked, strict=False):
            if item.get("type") != "ltiResourceLink" or not item.get("title") or not item.get("url"):
                wrong.append(f"item without type ltiResourceLink, title or url: {item}")
            if (item.get("custom") or {}).get("content_id") != value:
                wrong.append(f"custom.content_id {item.get('custom')} is not the picked {value!r}")
        self.check("deep linking: the 2 picked modules came back as resource links", not wrong, "; ".join(wrong))

    def platform_view(self) -> None:
        records = self.platform.records()
        repeated = {scope: count for scope, count in Counter(records["token_requests"]).items() if count > 1}
        self.check(
            "platform: the hub asked for each access token once (it caches them)",
            bool(records["token_requests"]) and not repeated,
            f"token requests by scope: {Counter(records['token_requests'])}",
        )
        self.check(
            "platform: it refused nothing the hub sent",
            not records["rejections"],
            "; ".join(f"{path}: {reason}" for path, reason in records["rejections"]),
        )


def main() -> int:
    hub, admin_token = os.environ.get("HUB_URL", ""), os.environ.get("ADMIN_TOKEN", "")
    if not hub or not admin_token:
        print("set HUB_URL (e.g. http://127.0.0.1:41234) and ADMIN_TOKEN", file=sys.stderr)
        return 2
    return RoundTrip(hub.rstrip("/"), admin_token).run()


if __name__ == "__main__":
    sys.exit(main())
