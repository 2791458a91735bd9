// A small OpenID Connect provider for the hub's SSO tests, built on panva's
// certified `oidc-provider`. Everything lives in memory and is new at every
// start: the signing key, the cookie keys, sessions, codes and grants.
//
// Environment:
//   OIDC_PORT                      listen on 127.0.0.1:PORT; the issuer is http://127.0.0.1:PORT
//   OIDC_CLIENT_ID                 the one (confidential) client
//   OIDC_CLIENT_SECRET             its secret
//   OIDC_REDIRECT_URI              its redirect URI (a comma-separated list is allowed)
//   OIDC_POST_LOGOUT_REDIRECT_URI  optional, comma-separated list too
//   OIDC_TOKEN_ENDPOINT_AUTH_METHOD  optional: client_secret_basic (default) or client_secret_post
//                                  (oidc-provider allows exactly one method per client)
//
// Accounts: `ada` and `bob`, both with the password `secret` (see ACCOUNTS).
// Prints `oidc-provider listening on http://127.0.0.1:PORT` once it listens.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`provider.mjs: ${name} must be set`);
    process.exit(2);
  }
  return value;
}

// Exit cleanly on SIGTERM, also when it comes (after the imports) before the server listens.
let server;
function stop() {
  if (!server) process.exit(0);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);

const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const clientId = env('OIDC_CLIENT_ID');
const clientSecret = env('OIDC_CLIENT_SECRET');
const redirectUris = list(env('OIDC_REDIRECT_URI'));
const postLogoutRedirectUris = list(process.env.OIDC_POST_LOGOUT_REDIRECT_URI ?? '');
const authMethod = env('OIDC_TOKEN_ENDPOINT_AUTH_METHOD', 'client_secret_basic');

const PASSWORD = 'secret';
const ACCOUNTS = {
  ada: { name: 'Ada Lovelace', email: 'ada@example.org', roles: ['classcode-admin'] },
  bob: { name: 'Bob Martin', email: 'bob@example.org', roles: ['teacher'] },
};

// The id_token signing key: a fresh RSA key, so that oidc-provider does not fall
// back to its (warned about) development keys.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    // A web client may register http redirect URIs; oidc-provider only insists on
    // https (and no localhost) for web clients that use the implicit grant.
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    ...(postLogoutRedirectUris.length ? { post_logout_redirect_uris: postLogoutRedirectUris } : {}),
    token_endpoint_auth_method: authMethod,
    id_token_signed_response_alg: 'RS256',
  }],
  // Only the code flow is offered (the default also has `code id_token`, `id_token`, `none`).
  responseTypes: ['code'],
  // oidc-provider only knows S256; by default it requires PKCE from public clients
  // only, so require it from every client.
  pkce: { required: () => true },
  // Which claims each scope releases. `roles` is our own scope and claim.
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    roles: ['roles'],
  },
  scopes: ['openid', 'profile', 'email', 'roles'],
  // By default, when an access token is issued too, the id_token only carries
  // `sub` (the scope claims go to userinfo alone). The hub reads the claims from
  // the id_token, so put them there as well.
  conformIdTokenClaims: false,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      // oidc-provider filters these by the granted scopes and claims.
      async claims() {
        return {
          sub,
          name: account.name,
          preferred_username: sub,
          email: account.email,
          email_verified: true,
          roles: account.roles,
        };
      },
    };
  },
  // Setting every TTL, the CORS policy and our own logout and error pages keeps
  // oidc-provider from printing its "you SHOULD change it" notices to stdout.
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  clientBasedCORS: () => false,
  features: {
    devInteractions: { enabled: false }, // our own sign-in page below
    rpInitiatedLogout: {
      enabled: true,
      // `form` is oidc-provider's hidden form (id op.logoutForm, with its xsrf token).
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `${form}
<p><button id="logout" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button id="stay" type="submit" form="op.logoutForm">Stay signed in</button></p>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre>${escape(JSON.stringify(out, null, 2))}</pre>`);
  },
};

const provider = new Provider(issuer, configuration);

// --- the sign-in page ------------------------------------------------------

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><h1>${escape(title)}</h1>
${body}
</body></html>`;
}

function loginForm(uid, error, login = '') {
  return page('Sign in', `${error ? `<p id="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
  <p><label for="login">Username</label> <input id="login" name="login" autocomplete="username" value="${escape(login)}" autofocus></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
  <p><button id="submit" type="submit">Sign in</button></p>
</form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

// Consent is given on the user's behalf: a Grant with every scope and claim the
// request asks for, so the browser goes from the login form straight back to the
// client's redirect URI.
async function grantEverything(details, accountId) {
  const { params, prompt, grantId } = details;
  // Extend the session's grant, unless it belongs to another account (a new login).
  let grant = grantId ? await provider.Grant.find(grantId) : undefined;
  if (grant?.accountId !== accountId) {
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  grant.addOIDCScope(params.scope ?? 'openid');
  const missing = prompt.details ?? {};
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

// GET shows the form (or, when only consent is asked for, grants it at once);
// POST checks the password and finishes the login together with the consent.
async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>Unknown sign-in request.</p>'));
  const { prompt } = details;

  if (prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    const grantId = await grantEverything(details, accountId);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (prompt.name !== 'login') {
    return send(res, 400, page('Error', `<p>Unexpected prompt ${escape(prompt.name)}.</p>`));
  }
  if (req.method === 'GET') return send(res, 200, loginForm(uid));

  const form = await readForm(req);
  const login = form.get('login') ?? '';
  if (!Object.hasOwn(ACCOUNTS, login) || form.get('password') !== PASSWORD) {
    return send(res, 200, loginForm(uid, 'Unknown user or wrong password.', login));
  }
  const grantId = await grantEverything(details, login);
  return provider.interactionFinished(req, res, {
    login: { accountId: login },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

// --- the HTTP server ---------------------------------------------------------

const oidc = provider.callback();
server = createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url, issuer).pathname);
  if (!match || !['GET', 'POST'].includes(req.method)) return oidc(req, res);
  try {
    await interaction(req, res, match[1]);
  } catch (err) {
    // Typically an expired or unknown interaction (its cookie is missing).
    if (!res.headersSent) send(res, 400, page('Error', `<p>${escape(err.message)}</p>`));
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

