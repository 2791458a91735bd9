// What the browser scripts share: the check counter and its summary line, the axe-core audit (WCAG 2.1 A and
// AA rules, and the page's language), Debian Chromium, and reading the hub's LRS with a launch token.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let passed = 0;
let failed = 0;

export function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`PASS ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

// Every page records the Content-Security-Policy violations it meets, from before its first script runs.
const CSP_WATCH = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

export async function audit(page, name) {
  // The hub's own scripts must all run under its policy; the audit's script is not the page's, so it is evaluated
  // through DevTools (which the policy does not govern) rather than added as a tag (which the policy rightly blocks).
  const violations = await page.evaluate(() => window.__cspViolations || ['the violation watch is missing']);
  check(`${name}: no Content-Security-Policy violation`, violations.length === 0, violations.join(' | '));
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const axeViolations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0]?.html}`);
  check(`${name}: no axe-core violation of WCAG 2.1 A/AA`, axeViolations.length === 0, axeViolations.join(' | '));
  const lang = await page.getAttribute('html', 'lang');
  check(`${name}: the page says its language`, lang === 'fr' || lang === 'en', String(lang));
}

export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...options) => {
    const context = await newContext(...options);
    await context.addInitScript(CSP_WATCH);
    return context;
  };
  browser.newPage = async (...options) => (await browser.newContext(...options)).newPage();
  return browser;
}

// Opens the player as the launch page does: a form post carrying the session.
export async function openPlayer(page, hub, session) {
  await page.goto(`${hub}/healthz`);
  await page.setContent(`<form method="post" action="${hub}/player"><input name="session" value="${session}"></form>`);
  await Promise.all([page.waitForNavigation(), page.evaluate(() => document.forms[0].submit())]);
}

// Statements of the launch's registration, read with the launch token (it reads its own learner's only).
export async function statements(hub, session, query) {
  const response = await fetch(`${hub}/xapi/statements?${new URLSearchParams(query)}`, {
    headers: { Authorization: `Bearer ${session}`, 'X-Experience-API-Version': '2.0.0' },
  });
  if (!response.ok) throw new Error(`LRS query ${JSON.stringify(query)}: ${response.status} ${await response.text()}`);
  return (await response.json()).statements;
}

export async function waitFor(what, predicate, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, 200); });
  }
}

export function summary(prefix) {
  console.log(`${prefix}: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
