// The administration console in a real browser (issue 9): signed out, /admin leads to the sign-in page and the
// admin API answers 401; a non-admin signing in through the OpenID provider gets 403 and no session; an admin gets
// the console, imports a bad then a good package, revokes a badge with a reason, visits every page, switches to
// English and signs out. Every page is audited with axe-core (WCAG 2.1 A and AA) and for CSP violations, at 375 px.
// Env: HUB (or HUB_URL; no trailing slash), CONTENT_ZIP (a valid package), BAD_ZIP (an invalid one), BADGE_ID (a
// valid badge to revoke), CHROMIUM. The provider knows `ada` (admin role) and `bob` (none), both with `secret`.
// Prints `PASS …`/`FAIL …` lines and one summary `console: N passed, M failed`.
import { audit, check, launchBrowser, summary } from './lib.mjs';

const hub = (process.env.HUB || process.env.HUB_URL || '').replace(/\/$/, '');
const contentZip = process.env.CONTENT_ZIP;
const badZip = process.env.BAD_ZIP;
const badgeId = process.env.BADGE_ID;
const REASON = 'Délivré par erreur (essai de la console)';
const OTHER_PAGES = ['platforms', 'lrs', 'research', 'keys', 'learners', 'audit', 'dashboard'];
const PHONE = { width: 375, height: 800 };
// The hub picks the language from ?lang= or else Accept-Language; a French browser gets the French console.
const BROWSER = { viewport: PHONE, locale: 'fr-FR' };

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function fitsPhone(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  // On failure, name the widest elements that stick out, to say what to fix.
  const wide = width <= PHONE.width + 1 ? [] : await page.evaluate((limit) => [...document.querySelectorAll('body *')]
    .filter((node) => node.getBoundingClientRect().right > limit + 1
      || (node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX === 'visible' && node.clientWidth > 0))
    .map((node) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}${node.className && typeof node.className === 'string' ? `.${node.className.split(' ').join('.')}` : ''} (${Math.round(node.getBoundingClientRect().right)})`)
    .slice(-6), PHONE.width);
  check(`${name}: no horizontal scrolling at 375 px`, width <= PHONE.width + 1, `scrollWidth ${width}: ${wide.join(', ')}`);
}

// Signs in from the hub's sign-in page through the OpenID provider's form (and a consent step, if the provider
// asks for one), until the browser is back on the hub. Returns the hub's last answer that was not a redirect.
async function signIn(page, login, password) {
  const landings = [];
  const record = (response) => {
    if (response.frame() === page.mainFrame() && response.request().isNavigationRequest()) landings.push(response);
  };
  page.on('response', record);
  try {
    await Promise.all([page.waitForNavigation(), page.click('#oidc-login')]);
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    for (let step = 0; step < 3 && !page.url().startsWith(hub); step += 1) {
      if (await page.$('input[name=password]')) break;
      const next = await page.$('#submit, form button[type=submit]');
      if (!next) break;
      await Promise.all([page.waitForNavigation(), next.click()]);
    }
    await page.waitForURL((url) => url.href.startsWith(hub), { timeout: 15000 });
    await page.waitForLoadState('load');
  } finally {
    page.off('response', record);
  }
  return landings.filter((response) => response.url().startsWith(hub) && (response.status() < 300 || response.status() >= 400)).pop();
}

async function waitForPage(page, name) {
  await page.waitForSelector(`#main[data-page="${name}"][data-state="ready"], #main[data-page="${name}"][data-state="error"]`);
  const state = await page.getAttribute('#main', 'data-state');
  check(`${name}: the page loads`, state === 'ready', (await page.textContent('#console-alert')) || '');
}

// Opens a page from the menu, as a reader would.
async function openPage(page, name) {
  await page.click(`nav a[href="#/${name}"]`);
  await waitForPage(page, name);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check(`${name}: focus moves to the page's heading`, focused === 'page-title', String(focused));
  const current = await page.$$eval('nav a[aria-current="page"]', (links) => links.map((link) => link.getAttribute('href')));
  check(`${name}: the menu marks this page, and only it, as current`, current.length === 1 && current[0] === `#/${name}`, current.join(','));
  const headings = await page.$$eval('h1', (items) => items.length);
  check(`${name}: one h1`, headings === 1, String(headings));
}

async function chartsAreNamed(page, name) {
  const charts = await page.$$eval('figure.chart svg', (svgs) => svgs.map((svg) => ({
    role: svg.getAttribute('role'), label: svg.getAttribute('aria-label') || '', width: svg.getBoundingClientRect().width,
  })));
  check(`${name}: charts are images named by their figures, and fit`, charts.length >= 1
    && charts.every((chart) => chart.role === 'img' && chart.label.length > 10 && chart.width > 100 && chart.width <= PHONE.width),
  JSON.stringify(charts));
}

const browser = await launchBrowser();
try {
  // 1. Signed out.
  let context = await browser.newContext(BROWSER);
  let page = await context.newPage();
  const first = await page.goto(`${hub}/admin`);
  check('signed out: /admin leads to the sign-in page', pathOf(page) === '/admin/login' && first.status() === 200,
    `${page.url()} ${first.status()}`);
  const bare = await fetch(`${hub}/api/admin/status`, { headers: { Accept: 'application/json' } });
  const bareBody = await bare.json().catch(() => null);
  check('signed out: the admin API answers 401 with a JSON error', bare.status === 401 && typeof bareBody?.error === 'string',
    `${bare.status} ${JSON.stringify(bareBody)}`);
  await audit(page, 'sign-in page');
  await fitsPhone(page, 'sign-in page');

  // 2. A non-admin account: refused, and no session.
  check('sign-in page: offers single sign-on', Boolean(await page.$('#oidc-login')));
  const refused = await signIn(page, 'bob', 'secret');
  check('bob (no admin role): the hub answers 403', refused?.status() === 403, `${refused?.status()} ${refused?.url()}`);
  const refusal = (await page.textContent('body')) || '';
  check('bob: the page says the account lacks the admin role', /admin/i.test(refusal) && /r[ôo]le/i.test(refusal), refusal.slice(0, 300));
  await page.goto(`${hub}/admin`);
  check('bob: /admin still leads to the sign-in page', pathOf(page) === '/admin/login', page.url());
  await context.close();

  // 3. An admin: the console, on its status page.
  context = await browser.newContext(BROWSER);
  page = await context.newPage();
  await page.goto(`${hub}/admin`);
  const welcomed = await signIn(page, 'ada', 'secret');
  check('ada (admin): signed in, on the console', welcomed?.status() === 200 && pathOf(page) === '/admin',
    `${welcomed?.status()} ${page.url()}`);
  await waitForPage(page, 'status');
  const csrf = await page.getAttribute('#console-app', 'data-csrf');
  check('console: the shell carries a CSRF token', Boolean(csrf && csrf.length >= 16), String(csrf));
  const lang = await page.getAttribute('html', 'lang');
  check('console: in French for a French browser', lang === 'fr', String(lang));
  await chartsAreNamed(page, 'status');
  await audit(page, 'status page');
  await fitsPhone(page, 'status page');

  // 4. Content: a bad package lists its problems; a good one is imported and listed.
  await openPage(page, 'content');
  await page.setInputFiles('#package-file', badZip);
  await page.click('#package-import');
  await page.waitForSelector('#import-result[data-outcome]');
  const problems = await page.$$eval('#import-problems li', (items) => items.map((item) => item.textContent));
  check('content: an invalid package shows every problem', (await page.getAttribute('#import-result', 'data-outcome')) === 'invalid'
    && problems.length >= 1, JSON.stringify(problems));
  check('content: the alert region says nothing was imported', ((await page.textContent('#console-alert')) || '').trim().length > 0);
  await page.setInputFiles('#package-file', contentZip);
  await page.click('#package-import');
  await page.waitForSelector('#import-result[data-outcome="imported"], #import-result[data-outcome="unchanged"]');
  const refs = await page.$$eval('#import-result li[data-ref]', (items) => items.map((item) => item.dataset.ref));
  check('content: a valid package is imported', refs.length >= 1, JSON.stringify(refs));
  await page.waitForFunction(() => document.getElementById('console-status').textContent.trim().length > 0);
  check('content: the import is announced in the status region', true);
  for (const ref of refs) {
    const at = ref.lastIndexOf('@');
    const selector = `#content-list li[data-content-id=${JSON.stringify(ref.slice(0, at))}] li[data-version=${JSON.stringify(ref.slice(at + 1))}]`;
    check(`content: the list shows ${ref}`, Boolean(await page.$(selector)), selector);
  }
  const rules = await page.$$eval('#content-list .rule', (items) => items.map((item) => item.textContent));
  check('content: each module version shows its certification rule', rules.length >= 1
    && rules.every((rule) => /Règle de certification/.test(rule)), JSON.stringify(rules.slice(0, 3)));
  await audit(page, 'content page');
  await fitsPhone(page, 'content page');

  // 5. Badges: revoke one with a reason; the page, then the API, say it is revoked. Without the CSRF header, no.
  await openPage(page, 'badges');
  await chartsAreNamed(page, 'badges');
  await page.fill('#badge-search', badgeId);
  const row = `#badge-list li[data-badge-id="${badgeId}"]`;
  // The search redraws the list after a pause in typing; wait until the list shows that badge alone.
  await page.waitForFunction((id) => {
    const items = [...document.querySelectorAll('#badge-list > li')];
    return items.length === 1 && items[0].dataset.badgeId === id;
  }, badgeId);
  await page.click(`${row} button.badge-revoke`);
  await page.fill('#revoke-reason', REASON);
  await page.click('#revoke-confirm');
  await page.waitForSelector(`${row}[data-standing="revoked"]`);
  const rowText = ((await page.textContent(row)) || '').toLowerCase();
  check('badges: the row says revoked, with the reason', rowText.includes('révoqué') && rowText.includes(REASON.toLowerCase()), rowText);
  check('badges: a revoked badge offers no second revocation', !(await page.$(`${row} button.badge-revoke`)));
  const listed = await page.evaluate(async (id) => {
    const token = document.getElementById('console-app').dataset.csrf;
    const response = await fetch('/api/admin/badges', {
      credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': token },
    });
    return (await response.json()).find((badge) => badge.id === id) || null;
  }, badgeId);
  check('badges: the API reports the badge revoked, with the reason', listed?.standing === 'revoked' && listed?.revoked_reason === REASON,
    JSON.stringify(listed));
  const forged = await page.evaluate(async () => {
    const response = await fetch('/api/admin/dashboard/refresh', {
      method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' },
    });
    return response.status;
  });
  check('a POST with the session cookie but without X-CSRF-Token answers 403', forged === 403, String(forged));
  await audit(page, 'badges page');
  await fitsPhone(page, 'badges page');

  // 6. Every other page.
  for (const name of OTHER_PAGES) {
    await openPage(page, name);
    await audit(page, `${name} page`);
    await fitsPhone(page, `${name} page`);
    if (name === 'audit') {
      await chartsAreNamed(page, 'audit');
      const entries = await page.$$eval('#audit-list li[data-action]', (items) => items.map((item) => ({
        action: item.dataset.action, target: item.dataset.target,
      })));
      check('audit: the revocation is logged', entries.some((entry) => /revoke/i.test(entry.action) && entry.target.includes(badgeId)),
        JSON.stringify(entries.slice(0, 10)));
      check('audit: the import is logged', entries.some((entry) => /content/i.test(entry.action) && !/^GET/.test(entry.action)),
        JSON.stringify(entries.slice(0, 10)));
    }
    if (name === 'dashboard') {
      check('dashboard: the figures show', Boolean(await page.$('#dashboard-results dl.tiles')));
    }
  }

  // 7. English: same page, headings in English.
  const lastPage = OTHER_PAGES[OTHER_PAGES.length - 1];
  const frenchTitle = await page.textContent('#page-title');
  await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
  await waitForPage(page, lastPage);
  const englishTitle = await page.textContent('#page-title');
  check('English: html[lang=en]', (await page.getAttribute('html', 'lang')) === 'en');
  check('English: the same page, its heading in English', englishTitle !== frenchTitle, `${frenchTitle} → ${englishTitle}`);
  const menu = await page.textContent('nav');
  check('English: the menu is in English', /Status/.test(menu) && !/État/.test(menu), menu);
  await audit(page, `${lastPage} page in English`);

  // 8. Sign out.
  await Promise.all([page.waitForNavigation(), page.click('#logout')]);
  await page.goto(`${hub}/admin`);
  check('signed out: /admin leads to the sign-in page again', pathOf(page) === '/admin/login', page.url());
  const after = await page.evaluate(async () => (await fetch('/api/admin/status', { headers: { Accept: 'application/json' } })).status);
  check('signed out: the old cookie no longer opens the admin API', after === 401, String(after));
  await context.close();
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('console');
