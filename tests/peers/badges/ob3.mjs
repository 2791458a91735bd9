// Checks the hub's Open Badges 3.0 credentials with JavaScript verifiers written by others:
// @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and @digitalbazaar/vc-bitstring-status-list, the 1EdTech
// OB 3.0 JSON schema with ajv, and @digitalcredentials/verifier-core.
// Env: OB3_CREDENTIAL_URL (valid), OB3_REVOKED_CREDENTIAL_URL (its status bit set); OB3_SCHEMA optionally names
// the schema file (default: schema/ here, a copy of 1EdTech's).
// Prints `ok  <check>`, `FAIL <check>: why` or `skip <check>: why`, then `ob3-js: N passed, M failed` (a skip counts as a failure).

import {readFileSync} from 'node:fs';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {checkStatus, decodeList} from '@digitalbazaar/vc-bitstring-status-list';
import {Ajv2019} from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

import {makeDocumentLoader, staticContexts} from './loader.mjs';

const credentialUrl = process.env.OB3_CREDENTIAL_URL;
const revokedUrl = process.env.OB3_REVOKED_CREDENTIAL_URL;
if (!credentialUrl || !revokedUrl) {
  console.error('OB3_CREDENTIAL_URL and OB3_REVOKED_CREDENTIAL_URL are required');
  process.exit(2);
}
const origin = new URL(credentialUrl).origin;
const schemaPath = process.env.OB3_SCHEMA ??
  new URL('./schema/ob_v3p0_achievementcredential_schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

// Nothing here may reach the network: contexts and the schema are served from local copies, the hub is fetched
// for real, and anything else fails loudly (verifier-core has no loader option, so fetch itself is wrapped).
const realFetch = globalThis.fetch;
const offline = [];
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  const json = value => new Response(JSON.stringify(value), {headers: {'content-type': 'application/json'}});
  if (staticContexts.has(url)) return json(staticContexts.get(url));
  if (url.startsWith('https://purl.imsglobal.org/spec/ob/v3p0/schema/')) return json(schema);
  if (new URL(url).origin === origin) return realFetch(input, init);
  offline.push(url);
  throw new TypeError(`offline: refusing to fetch ${url}`);
};

let passed = 0;
let failed = 0;
let skipped = 0;
async function check(name, fn) {
  try {
    const skip = await fn();
    if (typeof skip === 'string') {
      skipped++;
      console.log(`skip ${name}: ${skip}`);
    } else {
      passed++;
      console.log(`ok  ${name}`);
    }
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(typeof message === 'function' ? message() : message);
}
const reason = result => (result.error?.errors ?? [result.error]).map(e => e?.message).filter(Boolean).join('; ') ||
  JSON.stringify(result.statusResult ?? result.results?.map(r => r.error?.message));

async function getJson(url) {
  const res = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
  assert(res.ok, `GET ${url}: HTTP ${res.status}`);
  return res.json();
}
async function getText(url) {
  const res = await fetch(url);
  assert(res.ok, `GET ${url}: HTTP ${res.status}`);
  return res.text();
}

const documentLoader = makeDocumentLoader({origin});
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const verify = credential => vc.verifyCredential({credential, suite, documentLoader, checkStatus});

const credential = await getJson(credentialUrl);
const revoked = await getJson(revokedUrl);
const statusListUrl = credential.credentialStatus?.statusListCredential;

await check('vc: Data Integrity proof verifies and the status list credential says not revoked', async () => {
  const result = await verify(credential);
  assert(result.verified, reason(result));
  const statuses = result.statusResult?.results ?? [];
  assert(statuses.length > 0, 'no status was checked');
  assert(statuses.every(it => it.verified && it.status === false), `status ${JSON.stringify(statuses)}`);
});

await check('vc: status list credential verifies on its own, same issuer, at least 131072 entries', async () => {
  assert(statusListUrl, 'credential has no credentialStatus.statusListCredential');
  const list = await getJson(statusListUrl);
  const result = await vc.verifyCredential({credential: list, suite, documentLoader});
  assert(result.verified, reason(result));
  const issuerOf = it => (typeof it.issuer === 'object' ? it.issuer.id : it.issuer);
  assert(issuerOf(list) === issuerOf(credential), `list issuer ${issuerOf(list)}`);
  const bits = await decodeList({encodedList: list.credentialSubject.encodedList});
  assert(bits.length >= 131072, `the list has ${bits.length} entries; Bitstring Status List asks for 131072 or more`);
  const tampered = structuredClone(list);
  tampered.credentialSubject.statusPurpose = 'suspension';
  const forged = await vc.verifyCredential({credential: tampered, suite, documentLoader});
  assert(!forged.verified, 'a list with another statusPurpose still verified');
});

await check('vc: tampered credential fails', async () => {
  const tampered = structuredClone(credential);
  tampered.credentialSubject.achievement.name += ' (edited)';
  const result = await verify(tampered);
  assert(!result.verified, 'a tampered credential verified');
  assert(/signature/i.test(reason(result)), `rejected for another reason: ${reason(result)}`);
});

await check('vc: revoked credential has a valid proof and its status bit set', async () => {
  const result = await verify(revoked);
  const proofs = result.results ?? [];
  assert(proofs.length > 0 && proofs.every(it => it.verified), `its proof does not verify: ${reason(result)}`);
  const statuses = result.statusResult?.results ?? [];
  assert(statuses.length > 0 && statuses.some(it => it.status === true),
    `status bit not set: ${JSON.stringify(statuses)}`);
});

const ajv = new Ajv2019({allErrors: true, strict: false});
addFormats.default(ajv);
const validateCredential = ajv.compile(schema);
const validateProfile = ajv.getSchema(`${schema.$id}#/$defs/Profile`);
const schemaErrors = validate => validate.errors.map(e => `${e.instancePath || '/'} ${e.message}`).join('; ');

await check('schema: credentials match the 1EdTech OB 3.0 AchievementCredential JSON schema', async () => {
  for (const it of [credential, revoked]) {
    assert(validateCredential(it), () => `${it.id}: ${schemaErrors(validateCredential)}`);
  }
});

await check('schema: VC-JWT payload matches the schema too', async () => {
  const token = (await getText(`${credentialUrl}.jwt`)).trim();
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert(validateCredential(payload), () => schemaErrors(validateCredential));
});

await check("schema: issuer profile matches the schema's Profile", async () => {
  const issuerId = typeof credential.issuer === 'object' ? credential.issuer.id : credential.issuer;
  const profile = await getJson(issuerId);
  assert(validateProfile(profile), () => schemaErrors(validateProfile));
});

// verifier-core fetches a verificationMethod URL as it is; fetch drops the fragment, so a method named
// issuer#key is read as the whole issuer document ("Unsupported key type"). Only fragment-less key URLs can work.
const {verifyCredential: coreVerify} = await import('@digitalcredentials/verifier-core');
const methodUrl = [].concat(credential.proof ?? [])[0]?.verificationMethod ?? '';
const coreSkip = methodUrl.includes('#') &&
  `verifier-core 1.0.0-beta.11 cannot dereference ${methodUrl} (fragment); serve keys at their own URLs to use it`;
const coreLog = result => Object.fromEntries((result.log ?? []).map(it => [it.id, it.valid]));
await check('verifier-core: valid credential (signature, status, expiry, schema)', async () => {
  if (coreSkip) return coreSkip;
  const result = await coreVerify({credential, knownDIDRegistries: []});
  assert(!result.errors, JSON.stringify(result.errors));
  const log = coreLog(result);
  for (const step of ['valid_signature', 'revocation_status', 'expiration']) {
    assert(log[step] === true, `${step}: ${log[step]} (${JSON.stringify(result.log)})`);
  }
  const schemaResults = result.additionalInformation?.find(it => it.id === 'schema_check')?.results;
  assert(Array.isArray(schemaResults) && schemaResults.every(it => it.result.valid), JSON.stringify(schemaResults));
});
await check('verifier-core: tampered credential fails', async () => {
  if (coreSkip) return coreSkip;
  const tampered = structuredClone(credential);
  tampered.credentialSubject.achievement.name += ' (edited)';
  const result = await coreVerify({credential: tampered, knownDIDRegistries: []});
  assert(result.errors?.some(it => it.name === 'invalid_signature'), JSON.stringify(result.errors ?? result.log));
});
await check('verifier-core: revoked credential fails its revocation step', async () => {
  if (coreSkip) return coreSkip;
  const result = await coreVerify({credential: revoked, knownDIDRegistries: []});
  const log = coreLog(result);
  assert(log.valid_signature === true && log.revocation_status === false, JSON.stringify(result.errors ?? result.log));
});

await check('nothing was fetched from outside the hub', async () => {
  assert(offline.length === 0, `asked for ${[...new Set(offline)].join(', ')}`);
});

// The hub serves each key at its own URL, so every check must run: a skipped check counts as failed.
if (skipped) console.log(`${skipped} checks skipped`);
console.log(`ob3-js: ${passed} passed, ${failed + skipped} failed`);
process.exit(failed + skipped ? 1 : 0);
