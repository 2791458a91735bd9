// Self-test of provider.mjs: against a running provider, walks the whole
// authorization code flow with PKCE the way a browser would (plain fetch, the
// redirects followed and the cookies kept by hand), signs in as ada and then as
// bob, exchanges each code at the token endpoint and checks the id_token.
//
// Environment: OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI
// (the first of a comma-separated list is used), and optionally
// OIDC_TOKEN_ENDPOINT_AUTH_METHOD (client_secret_basic by default, or client_secret_post)
// and OIDC_POST_LOGOUT_REDIRECT_URI (when set, ada also signs out through end_session).
// Starts nothing itself. Exits non-zero on the first failure.

import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';

const issuer = process.env.OIDC_ISSUER;
const clientId = process.env.OIDC_CLIENT_ID;
const clientSecret = process.env.OIDC_CLIENT_SECRET;
const redirectUri = process.env.OIDC_REDIRECT_URI?.split(',')[0].trim();
const authMethod = process.env.OIDC_TOKEN_ENDPOINT_AUTH_METHOD || 'client_secret_basic';
const postLogoutUri = process.env.OIDC_POST_LOGOUT_REDIRECT_URI?.split(',')[0].trim();
if (!issuer || !clientId || !clientSecret || !redirectUri) {
  console.error('check.mjs: set OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI');
  process.exit(2);
}

let passed = 0;
function ok(condition, what, detail = '') {
  if (!condition) {
    console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`);
    console.log(`oidc: ${passed} passed, 1 failed`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok  ${what}`);
}

// A cookie jar good enough for one host: name -> value (paths are ignored).
class Jar {
  cookies = new Map();

  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split('=');
        return (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now())
          || (k.toLowerCase() === 'max-age' && Number(v) <= 0);
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

// One request with our cookies; redirects are not followed.
async function request(jar, url, init = {}) {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...init.headers, cookie: jar.header() },
  });
  jar.take(res);
  return res;
}

// Follows redirects by hand until the client's redirect URI (returned, not
// fetched: nothing listens there) or a page that is not a redirect.
async function follow(jar, res, from, target = redirectUri) {
  let url = from;
  for (let hops = 0; res.status >= 300 && res.status < 400; hops += 1) {
    if (hops > 10) throw new Error('too many redirects');
    url = new URL(res.headers.get('location'), url).href;
    if (url.startsWith(target)) return { redirect: new URL(url) };
    res = await request(jar, url);
  }
  return { res, url, html: await res.text() };
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
ok(discovery.issuer === issuer, 'discovery document names the issuer', discovery.issuer);
ok(discovery.code_challenge_methods_supported?.includes('S256'), 'S256 PKCE is offered');
const jwks = await (await fetch(discovery.jwks_uri)).json();

async function signIn(login, password, expectedRoles) {
  const jar = new Jar();
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const verifier = b64url(randomBytes(32)); // 43 characters, the minimum
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid profile email roles',
    state,
    nonce,
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  });

  // The authorization request lands on our sign-in form.
  let page = await follow(jar, await request(jar, authorize.href), authorize.href);
  ok(page.res?.status === 200 && /id="submit"/.test(page.html), `${login}: the sign-in form is shown`);
  const formUrl = page.url;
  const post = (body) => request(jar, formUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

  // A wrong password shows the form again, with an error.
  page = await follow(jar, await post({ login, password: 'wrong' }), formUrl);
  ok(page.res?.status === 200 && /id="error"/.test(page.html), `${login}: a wrong password is refused`);

  // The right one goes straight back to the client, consent given.
  const { redirect } = await follow(jar, await post({ login, password }), formUrl);
  ok(redirect !== undefined, `${login}: signed in and redirected to the client`);
  const params = redirect.searchParams;
  ok(!params.has('error'), `${login}: no error in the callback`, params.get('error_description'));
  ok(params.get('state') === state, `${login}: state comes back`);
  ok(params.get('iss') === issuer, `${login}: iss comes back (RFC 9207)`);

  // Exchange the code, authenticating as the confidential client.
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (authMethod === 'client_secret_post') {
    form.set('client_id', clientId);
    form.set('client_secret', clientSecret);
  } else {
    // RFC 6749 2.3.1: both parts are form-encoded before base64.
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
  }
  const tokenRes = await fetch(discovery.token_endpoint, { method: 'POST', headers, body: form });
  const tokens = await tokenRes.json();
  ok(tokenRes.status === 200 && tokens.id_token, `${login}: code exchanged at the token endpoint`, JSON.stringify(tokens));

  // Check the id_token's signature against the provider's JWKS, then its claims.
  const [h, p, s] = tokens.id_token.split('.');
  const header = decode(h);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  ok(header.alg === 'RS256' && jwk, `${login}: id_token is RS256 with a published key`);
  const valid = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  ok(valid, `${login}: id_token signature verifies`);

  const claims = decode(p);
  console.log(`id_token payload for ${login}:`, claims);
  ok(claims.iss === issuer && claims.aud === clientId, `${login}: iss and aud`);
  ok(claims.nonce === nonce, `${login}: nonce is the one sent`);
  ok(claims.sub === login && claims.preferred_username === login, `${login}: sub and preferred_username`);
  ok(typeof claims.name === 'string' && claims.email === `${login}@example.org`, `${login}: name and email are in the id_token`);
  ok(JSON.stringify(claims.roles) === JSON.stringify(expectedRoles), `${login}: roles ${JSON.stringify(expectedRoles)}`, JSON.stringify(claims.roles));
  return { jar, idToken: tokens.id_token };
}

// RP-initiated logout: the provider's confirmation page, then back to the client.
async function signOut(login, { jar, idToken }) {
  const state = b64url(randomBytes(8));
  const end = new URL(discovery.end_session_endpoint);
  end.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: postLogoutUri, state });
  const page = await follow(jar, await request(jar, end.href), end.href, postLogoutUri);
  ok(page.res?.status === 200 && /id="logout"/.test(page.html), `${login}: the sign-out page is shown`);
  const action = new URL(/action="([^"]+)"/.exec(page.html)[1], end).href;
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.html)[1];
  const res = await request(jar, action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  const { redirect } = await follow(jar, res, action, postLogoutUri);
  ok(redirect?.searchParams.get('state') === state, `${login}: signed out and sent back with its state`);
}

const ada = await signIn('ada', 'secret', ['classcode-admin']);
if (postLogoutUri) await signOut('ada', ada);
await signIn('bob', 'secret', ['teacher']);
console.log(`oidc: ${passed} passed, 0 failed`);
