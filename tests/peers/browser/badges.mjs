// The learner's pages beyond the player, in a real browser: a certified learner opens "Mes badges" from the
// player, then the badge's public verification page, the badge's own page, and the research page (where they opt
// out of a study); each is audited with axe-core (WCAG 2.1 A and AA),
// fits a 375 px screen, and shows what it must (the badge, its standing, its downloads and share link).
// Env: HUB_URL (no trailing slash), SESSION (the certified learner's player session), CHROMIUM.
// Prints `PASS …`/`FAIL …` lines and one summary `badges-browser: N passed, M failed`.
import { audit, check, launchBrowser, openPlayer, summary } from './lib.mjs';

const hub = process.env.HUB_URL;
const session = process.env.SESSION;

async function fitsPhone(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(`${name}: no horizontal scrolling at 375 px`, width <= 376, `scrollWidth ${width}`);
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await openPlayer(page, hub, session);
  await page.waitForSelector('main#player');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/player/badges"] button[type=submit]')]);
  await page.waitForSelector('main#my-badges');
  await audit(page, 'my badges');
  await fitsPhone(page, 'my badges');
  const badges = await page.$$eval('li[data-badge-id]', (items) => items.map((item) => ({
    id: item.getAttribute('data-badge-id'),
    standing: item.getAttribute('data-standing'),
    share: item.querySelector('input[readonly]')?.value,
    png: item.querySelector('a[href$=".png"]')?.href,
  })));
  check('my badges: the certified module\'s badge is listed, valid', badges.length === 1 && badges[0].standing === 'valid',
    JSON.stringify(badges));
  const png = await fetch(badges[0].png);
  check('my badges: the PNG download is an image', png.ok && png.headers.get('content-type') === 'image/png',
    `${png.status} ${png.headers.get('content-type')}`);

  await page.goto(badges[0].share);
  await page.waitForSelector('main#badge-verification');
  await audit(page, 'verification page');
  await fitsPhone(page, 'verification page');
  const verdict = await page.$eval('main#badge-verification', (main) => [main.dataset.standing, main.dataset.proof]);
  check('verification page: valid, with a proof that holds', verdict[0] === 'valid' && verdict[1] === 'valid', verdict.join(','));
  const evidence = await page.$$eval('main#badge-verification li[id^="statement-"]', (items) => items.length);
  check('verification page: lists the proving statements', evidence >= 1, String(evidence));

  await page.goto(`${hub}/badges/fr.classcode.information`);
  await page.waitForSelector('main#badge-class');
  await audit(page, 'badge page');
  await fitsPhone(page, 'badge page');

  // The research page of the same player: the study that covers the learner's institution, and opting out.
  await openPlayer(page, hub, session);
  await page.waitForSelector('main#player');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/player/research"] button[type=submit]')]);
  await page.waitForSelector('main#research');
  await audit(page, 'research page');
  await fitsPhone(page, 'research page');
  const before = await page.getAttribute('li[data-study]', 'data-taking-part');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/player/research/choice"] button[type=submit]')]);
  const after = await page.getAttribute('li[data-study]', 'data-taking-part');
  check('research page: a learner opts out with one button', before === 'true' && after === 'false', `${before} → ${after}`);
  await audit(page, 'research page after a choice');
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('badges-browser');
