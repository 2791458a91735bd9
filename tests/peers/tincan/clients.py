"""Peer test: drives the Class'Code Hub LRS through TinCanPython (PyPI `tincan`), a client written by others.

Env: LRS_ENDPOINT (e.g. http://127.0.0.1:18090/xapi/), LRS_KEY, LRS_SECRET.
tincan only knows xAPI 1.0.0-1.0.3 and sends its default, 1.0.3.
"""
import json
import os
import sys
import uuid

from tincan import (
    Activity, ActivityDefinition, ActivityList, Agent, AgentAccount, Context, ContextActivities,
    HTTPRequest, LanguageMap, RemoteLRS, StateDocument, Statement, StatementList, StatementRef, Verb,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class StepFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise StepFailed(message)


def ok(response, what, status=None):
    """The LRSResponse must be a 2xx (or exactly `status`); says what was sent and received if not.

    (Not `response.success`: tincan counts a 404 as a success for document reads.)
    """
    got = response.response.status
    if (status is None and 200 <= got < 300) or got == status:
        return response
    req = response.request
    raise StepFailed(
        f"{what}: expected {status or '2xx'}, got HTTP {got} on {req.method} {req.resource} "
        f"{req.query_params} headers={req.headers}: {response.data}"
    )


def as_dict(obj):
    return json.loads(obj.to_json())


def check_subset(actual, expected, path):
    """Every key of `expected` must be in `actual` with the same value (the LRS may add objectType etc.)."""
    if isinstance(expected, dict):
        check(isinstance(actual, dict), f"{path}: expected an object, got {actual!r}")
        for key, value in expected.items():
            check_subset(actual.get(key), value, f"{path}.{key}")
    else:
        check(actual == expected, f"{path}: expected {expected!r}, got {actual!r}")


def all_by_registration(lrs, registration):
    """Queries by registration with limit 10 and follows `more` with the library's more_statements."""
    ids, pages = [], 0
    res = ok(lrs.query_statements({"registration": registration, "limit": 10}), "query by registration")
    while True:
        pages += 1
        page = res.content
        check(len(page.statements) <= 10, f"page {pages} has {len(page.statements)} statements, limit was 10")
        ids.extend(str(s.id) for s in page.statements)
        if not page.more:
            return ids, pages
        check(pages < 20, "too many pages: `more` never ends")
        res = ok(lrs.more_statements(page), f"GET more {page.more}")


def send_state_once(lrs, method, doc):
    """PUT/POST a state document through the library's own request type and transport.

    Needed because tincan 1.0.0 cannot do these itself: RemoteLRS.save_state sends its PUT twice and returns
    the second answer (so a PUT with a valid If-Match always ends in 412, the first PUT having changed the
    ETag), and it has no POST (merge) for documents at all.
    """
    request = HTTPRequest(method=method, resource="activities/state", content=doc.content)
    request.headers["Content-Type"] = "application/json"
    if doc.etag is not None:
        request.headers["If-Match"] = doc.etag
    request.query_params = {"stateId": doc.id, "activityId": doc.activity.id, "agent": doc.agent.to_json(lrs.version)}
    return lrs._send_request(request)


def main():
    try:
        endpoint, key, secret = (os.environ[name] for name in ("LRS_ENDPOINT", "LRS_KEY", "LRS_SECRET"))
    except KeyError:
        print("tincan: set LRS_ENDPOINT, LRS_KEY and LRS_SECRET", file=sys.stderr)
        return 2
    lrs = RemoteLRS(endpoint=endpoint, username=key, password=secret)

    run, registration = str(uuid.uuid4()), str(uuid.uuid4())
    actor = Agent(name="Élève de test",
                  account=AgentAccount(home_page="https://classcode.fr", name=f"peer-tincan-{run}"))
    verb = Verb(id="http://adlnet.gov/expapi/verbs/completed",
                display=LanguageMap({"fr-FR": "a terminé", "en-US": "completed"}))
    activity_id = f"https://classcode.fr/activites/peer-tincan/{run}"
    activity = Activity(id=activity_id, definition=ActivityDefinition(
        name=LanguageMap({"fr-FR": "Découverte de l'algorithmique : séance n°1"}),
        type="http://adlnet.gov/expapi/activities/lesson",
    ))
    context = Context(registration=registration, context_activities=ContextActivities(
        parent=ActivityList([Activity(id="https://classcode.fr/parcours/snt-initiation")])))
    ids = {}

    def store():
        res = ok(lrs.save_statement(Statement(actor=actor, verb=verb, object=activity, context=context)),
                 "POST one statement")
        answered = res.response.getheader("X-Experience-API-Version")
        check(answered == lrs.version, f"sent X-Experience-API-Version {lrs.version}, the LRS answered {answered}")
        ids["single"] = str(res.content.id)
        batch = StatementList([
            Statement(id=str(uuid.uuid4()), actor=actor,
                      verb=Verb(id="http://adlnet.gov/expapi/verbs/experienced",
                                display=LanguageMap({"fr-FR": "a consulté"})),
                      object=Activity(id=f"{activity_id}/page-{i}", definition=ActivityDefinition(
                          name=LanguageMap({"fr-FR": f"Page {i} : « Boucles et conditions »"}))),
                      context=context)
            for i in range(1, 26)
        ])
        sent = [str(s.id) for s in batch]
        res = ok(lrs.save_statements(batch), "POST a batch of 25")
        check(json.loads(res.data) == sent, f"batch POST must return the ids we sent, got {res.data}")
        ids["batch"] = sent

    def get_back():
        got = ok(lrs.retrieve_statement(ids["single"]), "GET statementId").content
        check(str(got.id) == ids["single"], f"asked for {ids['single']}, got {got.id}")
        check_subset(as_dict(got.actor), as_dict(actor), "actor")
        check_subset(as_dict(got.verb), as_dict(verb), "verb")
        check_subset(as_dict(got.object), as_dict(activity), "object")
        check_subset(as_dict(got.context), as_dict(context), "context")

    def query():
        got, pages = all_by_registration(lrs, registration)
        check(len(set(got)) == len(got), f"a statement came back twice: {got}")
        check(len(got) == 26, f"expected 26 statements, got {len(got)}")
        check(pages == 3, f"expected 3 pages (10+10+6), got {pages}")
        check(set(got) == {ids["single"], *ids["batch"]}, "not the statements we stored")

    def void():
        # tincan has no void helper: a plain statement with the voided verb and a StatementRef object.
        voiding = Statement(actor=actor, verb=Verb(id=VOIDED, display=LanguageMap({"en-US": "voided"})),
                            object=StatementRef(id=ids["single"]))
        voiding_id = str(ok(lrs.save_statement(voiding), "POST the voiding statement").content.id)
        got, _ = all_by_registration(lrs, registration)
        check(ids["single"] not in got, "the voided statement is still returned by the registration query")
        # The voiding statement itself also matches: xAPI "Filter Conditions for StatementRefs" (1.0.3 Part 3
        # §2.1.3) says a statement targeting (StatementRef) a matching statement matches the filter.
        originals = [i for i in got if i != voiding_id]
        check(len(originals) == 25, f"expected 25 non-voided statements, got {len(originals)}")
        check(set(originals) == set(ids["batch"]), "the 25 left must be the batch")
        check(voiding_id in got, "the voiding statement (StatementRef to a matching statement) is missing")
        voided = ok(lrs.retrieve_voided_statement(ids["single"]), "GET voidedStatementId").content
        check(str(voided.id) == ids["single"], f"asked for voided {ids['single']}, got {voided.id}")
        check_subset(as_dict(voided.object), as_dict(activity), "voided.object")
        ok(lrs.retrieve_statement(ids["single"]), "GET statementId of a voided statement", status=404)
        stored = ok(lrs.retrieve_statement(voiding_id), "GET the voiding statement").content
        check(stored.verb.id == VOIDED and str(stored.object.id) == ids["single"], "voiding statement altered")

    def state():
        # tincan's save_state/delete_state drop `registration` (retrieve_state keeps it), so no registration
        # here: the actor and activity are unique to this run anyway.
        first = {"page": 3, "chapitre": "Boucles", "réponses": [1, 2]}
        doc = StateDocument(id="resume", activity=Activity(id=activity_id), agent=actor,
                            content=json.dumps(first), content_type="application/json")
        ok(lrs.save_state(doc), "PUT a new state")
        got = ok(lrs.retrieve_state(Activity(id=activity_id), actor, "resume"), "GET state")
        check(json.loads(got.content.content) == first, f"read back {got.data}")
        # tincan looks for "etag" in a list of header tuples and so never fills doc.etag: read the header itself.
        etag1 = got.response.getheader("ETag")
        check(etag1, "GET state returned no ETag header")
        doc.etag, doc.content = '"0000"', json.dumps({"page": 0})
        ok(lrs.save_state(doc), "PUT with a stale If-Match", status=412)
        second = {"page": 4, "chapitre": "Conditions"}
        doc.etag, doc.content = etag1, json.dumps(second)
        ok(send_state_once(lrs, "PUT", doc), "PUT with If-Match")
        got = ok(lrs.retrieve_state(Activity(id=activity_id), actor, "resume"), "GET state")
        check(json.loads(got.content.content) == second, f"PUT with If-Match must replace the document: {got.data}")
        etag2 = got.response.getheader("ETag")
        check(etag2 != etag1, "the ETag did not change after an overwrite")
        doc.etag, doc.content = None, json.dumps({"terminé": False})
        ok(send_state_once(lrs, "POST", doc), "POST (merge) into the state")
        got = ok(lrs.retrieve_state(Activity(id=activity_id), actor, "resume"), "GET state")
        check(json.loads(got.content.content) == {**second, "terminé": False}, f"POST must merge: {got.data}")
        listed = ok(lrs.retrieve_state_ids(Activity(id=activity_id), actor), "GET state ids").content
        check(listed == ["resume"], f"state ids: {listed}")
        doc.etag = etag2
        ok(lrs.delete_state(doc), "DELETE with a stale If-Match", status=412)
        doc.etag = got.response.getheader("ETag")
        ok(lrs.delete_state(doc), "DELETE state")
        ok(lrs.retrieve_state(Activity(id=activity_id), actor, "resume"), "GET of the deleted state", status=404)
        listed = ok(lrs.retrieve_state_ids(Activity(id=activity_id), actor), "GET state ids").content
        check(listed == [], f"the deleted state is still listed: {listed}")

    steps = [
        ("a. store a statement and a batch of 25 for one registration", store),
        ("b. get the statement back by id", get_back),
        ("c. query by registration, limit 10, follow `more`: 26 distinct", query),
        ("d. void the statement: 25 left (+ the voiding one), found by voidedStatementId", void),
        ('e. State "resume": set, read, ETag overwrite, merge, list, delete', state),
    ]
    passed = 0
    for name, step in steps:
        try:
            step()
        except Exception as err:  # a StepFailed, or anything the library raised
            detail = str(err) if isinstance(err, StepFailed) else f"{type(err).__name__}: {err}"
            print(f"FAIL [{lrs.version}] {name}\n  {detail}")
            print(f"tincan: {passed} passed, 1 failed")
            return 1
        passed += 1
        print(f"ok  [{lrs.version}] {name}")
    print(f"tincan: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
