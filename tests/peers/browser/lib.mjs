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

export async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0]?.html}`);
  check(`${name}: no axe-core violation of WCAG 2.1 A/AA`, violations.length === 0, violations.join(' | '));
  const lang = await page.getAttribute('html', 'lang');
  check(`${name}: the page says its language`, lang === 'fr' || lang === 'en', String(lang));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--autoplay-policy=no-user-gesture-required'],
  });
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
