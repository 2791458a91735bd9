// The player in a real browser: headless Debian Chromium driven by playwright-core, every page audited with
// axe-core (WCAG 2.1 A and AA rules), keyboard focus, the language of the page, and a phone-sized viewport.
// Env: HUB_URL (no trailing slash), SESSION (a player session token from a launch), CHROMIUM (default
// /usr/bin/chromium). Prints `PASS …`/`FAIL …` lines and one summary `browser: N passed, M failed`.
import { audit, check, launchBrowser, openPlayer, summary } from './lib.mjs';

const hub = process.env.HUB_URL;
const session = process.env.SESSION;

async function keyboard(page, name) {
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const element = document.activeElement;
    const style = element ? getComputedStyle(element) : null;
    return element && element !== document.body
      ? { tag: element.tagName, outline: style.outlineStyle !== 'none' || style.boxShadow !== 'none' }
      : null;
  });
  check(`${name}: Tab reaches a control, and focus is visible`, focused !== null && focused.outline, JSON.stringify(focused));
}

async function fitsPhone(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(`${name}: no horizontal scrolling at 375 px`, width <= 376, `scrollWidth ${width}`);
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  // The player is reached by a form post carrying the session, as the launch page does.
  await openPlayer(page, hub, session);
  await page.waitForSelector('main#player');
  await audit(page, 'overview');
  await keyboard(page, 'overview');
  await fitsPhone(page, 'overview');

  // Every kind of activity of the module, one after the other.
  const references = await page.$$eval('main#player ol input[name=activity]', (inputs) => inputs.map((input) => input.value));
  check('overview: lists the activities', references.length >= 5, String(references.length));
  const seen = new Set();
  for (const reference of references) {
    await page.evaluate((value) => {
      const input = [...document.querySelectorAll('input[name=activity]')].find((i) => i.value === value);
      input.form.submit();
    }, reference);
    await page.waitForSelector('main#activity');
    const kind = await page.getAttribute('main#activity', 'data-kind');
    if (seen.has(kind)) {
      await page.evaluate(() => document.querySelector('form[action="/player"]').submit());
      await page.waitForSelector('main#player');
      continue;
    }
    seen.add(kind);
    await audit(page, `${kind} activity`);
    await fitsPhone(page, `${kind} activity`);
    if (kind === 'quiz') {
      await Promise.all([page.waitForNavigation(), page.click('form[action="/player/quiz"] button[type=submit]')]);
      await page.waitForSelector('#quiz-score');
      await audit(page, 'quiz feedback');
    }
    if (kind === 'video') {
      const tracks = await page.$$eval('video track', (list) => list.length);
      check('video activity: subtitles are offered', tracks >= 1, String(tracks));
    }
    await page.evaluate(() => document.querySelector('form[action="/player"]').submit());
    await page.waitForSelector('main#player');
  }
  check('every kind of activity of the module was audited', ['page', 'video', 'quiz', 'unplugged'].every((kind) => seen.has(kind)), [...seen].join(','));
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('browser');
