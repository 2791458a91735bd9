// Peer test: drives the Class'Code Hub LRS through xAPI.js (@xapi/xapi), a client written by others.
// Env: LRS_ENDPOINT (e.g. http://127.0.0.1:18090/xapi/), LRS_KEY, LRS_SECRET.
// Runs the whole sequence with the library's default version (1.0.3), then again with 2.0.0
// (xAPI.js types only list 1.0.x, but `version` is sent as-is in X-Experience-API-Version).
import { randomUUID } from "node:crypto";
import assert from "node:assert/strict";
import XAPI from "@xapi/xapi";

const { LRS_ENDPOINT, LRS_KEY, LRS_SECRET } = process.env;
if (!LRS_ENDPOINT || !LRS_KEY || !LRS_SECRET) {
  console.error("xapi-js: set LRS_ENDPOINT, LRS_KEY and LRS_SECRET");
  process.exit(2);
}

const VERSIONS = [undefined, "2.0.0"]; // undefined = the library's default
let passed = 0;

// A readable description of an axios error (status, method, URL, body); other errors as they are.
function describe(err) {
  if (err?.response) {
    const { status, data, config } = err.response;
    return `HTTP ${status} on ${config?.method?.toUpperCase()} ${config?.url}: ${JSON.stringify(data)}`;
  }
  return err?.stack ?? String(err);
}

// Every key of `expected` must be in `actual` with the same value (the LRS may add objectType etc.).
function assertSubset(actual, expected, path) {
  if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const key of Object.keys(expected)) assertSubset(actual[key], expected[key], `${path}.${key}`);
  } else {
    assert.equal(actual, expected, `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// Awaits a call that must fail with the given HTTP status.
async function expectStatus(status, promise, what) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err?.response?.status, status, `${what}: expected HTTP ${status}, got ${describe(err)}`);
    return;
  }
  assert.fail(`${what}: expected HTTP ${status}, but it succeeded`);
}

// Queries by registration with limit 10 and follows `more` with the library's getMoreStatements.
async function allByRegistration(xapi, registration) {
  const ids = [];
  let pages = 0;
  let res = await xapi.getStatements({ registration, limit: 10 });
  for (;;) {
    pages += 1;
    assert.ok(res.data.statements.length <= 10, `page ${pages} has ${res.data.statements.length} statements, limit was 10`);
    ids.push(...res.data.statements.map((s) => s.id));
    if (!res.data.more) break;
    assert.ok(pages < 20, "too many pages: `more` never ends");
    res = await xapi.getMoreStatements({ more: res.data.more });
  }
  return { ids, pages };
}

async function runSequence(version) {
  const label = version ?? "default 1.0.3";
  const xapi = new XAPI({
    endpoint: LRS_ENDPOINT,
    auth: XAPI.toBasicAuth(LRS_KEY, LRS_SECRET),
    ...(version && { version }),
  });
  const run = randomUUID();
  const registration = randomUUID();
  const actor = {
    objectType: "Agent",
    name: "Élève de test",
    account: { homePage: "https://classcode.fr", name: `peer-xapi-js-${run}` },
  };
  const verb = { id: "http://adlnet.gov/expapi/verbs/completed", display: { "fr-FR": "a terminé", "en-US": "completed" } };
  const activityId = `https://classcode.fr/activites/peer-xapi-js/${run}`;
  const object = {
    objectType: "Activity",
    id: activityId,
    definition: {
      name: { "fr-FR": "Découverte de l'algorithmique : séance n°1" },
      type: "http://adlnet.gov/expapi/activities/lesson",
    },
  };
  const context = {
    registration,
    contextActivities: { parent: [{ objectType: "Activity", id: "https://classcode.fr/parcours/snt-initiation" }] },
  };
  let singleId;
  let batchIds;

  const steps = [
    ["a. store a statement and a batch of 25 for one registration", async () => {
      const one = await xapi.sendStatement({ statement: { actor, verb, object, context } });
      const answered = one.headers["x-experience-api-version"];
      assert.equal(answered, version ?? "1.0.3", `the LRS answered X-Experience-API-Version ${answered}`);
      assert.equal(one.data.length, 1, `POST of one statement returned ${JSON.stringify(one.data)}`);
      singleId = one.data[0];
      const batch = Array.from({ length: 25 }, (_, i) => ({
        id: randomUUID(),
        actor,
        verb: { id: "http://adlnet.gov/expapi/verbs/experienced", display: { "fr-FR": "a consulté" } },
        object: { objectType: "Activity", id: `${activityId}/page-${i + 1}`, definition: { name: { "fr-FR": `Page ${i + 1} : « Boucles et conditions »` } } },
        context,
      }));
      const many = await xapi.sendStatements({ statements: batch });
      assert.deepEqual(many.data, batch.map((s) => s.id), "batch POST must return the ids we sent, in order");
      batchIds = many.data;
    }],
    ["b. get the statement back by id", async () => {
      const res = await xapi.getStatement({ statementId: singleId });
      assert.equal(res.data.id, singleId);
      assertSubset(res.data.actor, actor, "actor");
      assertSubset(res.data.verb, verb, "verb");
      assertSubset(res.data.object, object, "object");
      assertSubset(res.data.context, context, "context");
    }],
    ["c. query by registration, limit 10, follow `more`: 26 distinct", async () => {
      const { ids, pages } = await allByRegistration(xapi, registration);
      assert.equal(new Set(ids).size, ids.length, `a statement came back twice: ${ids}`);
      assert.equal(ids.length, 26, `expected 26 statements, got ${ids.length}`);
      assert.equal(pages, 3, `expected 3 pages (10+10+6), got ${pages}`);
      assert.deepEqual(new Set(ids), new Set([singleId, ...batchIds]));
    }],
    ["d. void the statement: 25 left (+ the voiding one), found by voidedStatementId", async () => {
      const res = await xapi.voidStatement({ actor, statementId: singleId }); // verb voided + StatementRef
      assert.equal(res.data.length, 1);
      const voidingId = res.data[0];
      const { ids } = await allByRegistration(xapi, registration);
      assert.ok(!ids.includes(singleId), "the voided statement is still returned by the registration query");
      // The voiding statement itself also matches: xAPI "Filter Conditions for StatementRefs" (1.0.3 Part 3
      // §2.1.3, same in 2.0) says a statement targeting (StatementRef) a matching statement matches the filter.
      const originals = ids.filter((id) => id !== voidingId);
      assert.equal(originals.length, 25, `expected 25 non-voided statements, got ${originals.length}`);
      assert.deepEqual(new Set(originals), new Set(batchIds), "the 25 left must be the batch");
      assert.ok(ids.includes(voidingId), "the voiding statement (StatementRef to a matching statement) is missing");
      const voided = await xapi.getVoidedStatement({ voidedStatementId: singleId });
      assert.equal(voided.data.id, singleId);
      assertSubset(voided.data.object, object, "voided.object");
      await expectStatus(404, xapi.getStatement({ statementId: singleId }), "GET statementId of a voided statement");
      const voiding = await xapi.getStatement({ statementId: voidingId });
      assertSubset(voiding.data, { verb: { id: "http://adlnet.gov/expapi/verbs/voided" }, object: { objectType: "StatementRef", id: singleId } }, "voiding");
    }],
    ["e. State \"resume\": set, read, ETag overwrite, merge, list, delete", async () => {
      const where = { agent: actor, activityId, registration, stateId: "resume" };
      const first = { page: 3, chapitre: "Boucles", réponses: [1, 2] };
      await xapi.setState({ ...where, state: first, matchHeader: "If-None-Match", etag: "*" });
      let got = await xapi.getState(where);
      assert.deepEqual(got.data, first);
      const etag1 = got.headers.etag;
      assert.ok(etag1, "GET state returned no ETag header");
      await expectStatus(412, xapi.setState({ ...where, state: first, matchHeader: "If-None-Match", etag: "*" }), "PUT If-None-Match: * over an existing state");
      await expectStatus(412, xapi.setState({ ...where, state: { page: 0 }, matchHeader: "If-Match", etag: '"0000"' }), "PUT with a stale If-Match");
      if (version === "2.0.0") {
        await expectStatus(409, xapi.setState({ ...where, state: { page: 0 } }), "2.0.0 PUT over an existing state without If-Match");
      }
      const second = { page: 4, chapitre: "Conditions" };
      await xapi.setState({ ...where, state: second, matchHeader: "If-Match", etag: etag1 });
      got = await xapi.getState(where);
      assert.deepEqual(got.data, second, "PUT with If-Match must replace the document");
      const etag2 = got.headers.etag;
      assert.notEqual(etag2, etag1, "the ETag did not change after an overwrite");
      await xapi.createState({ ...where, state: { terminé: false } }); // POST merges JSON objects
      got = await xapi.getState(where);
      assert.deepEqual(got.data, { ...second, terminé: false }, "POST must merge into the document");
      const list = await xapi.getStates({ agent: actor, activityId, registration });
      assert.deepEqual(list.data, ["resume"]);
      await expectStatus(412, xapi.deleteState({ ...where, etag: etag2 }), "DELETE with a stale If-Match");
      await xapi.deleteState({ ...where, etag: got.headers.etag });
      await expectStatus(404, xapi.getState(where), "GET of the deleted state");
      const after = await xapi.getStates({ agent: actor, activityId, registration });
      assert.deepEqual(after.data, [], "the deleted state is still listed");
    }],
  ];

  for (const [name, fn] of steps) {
    try {
      await fn();
    } catch (err) {
      console.log(`FAIL [${label}] ${name}\n  ${describe(err).replace(/\n/g, "\n  ")}`);
      console.log(`xapi-js: ${passed} passed, 1 failed`);
      process.exit(1);
    }
    passed += 1;
    console.log(`ok  [${label}] ${name}`);
  }
}

for (const version of VERSIONS) await runSequence(version);
console.log(`xapi-js: ${passed} passed, 0 failed`);
