// The teacher's class dashboard in a real browser: reached by a form post with the instructor's session, as from
// the launch page; audited with axe-core (WCAG 2.1 A and AA), at a phone's width, with its SVG charts present.
// Then the admin dashboard page, with the admin token in its form.
// Env: HUB_URL (no trailing slash), SESSION (an instructor's session from a launch in a course), ADMIN_TOKEN, CHROMIUM.
// Prints `PASS …`/`FAIL …` lines and one summary `dashboard-browser: N passed, M failed`.
import { audit, check, launchBrowser, summary } from './lib.mjs';

const hub = process.env.HUB_URL;
const session = process.env.SESSION;

const browser = await launchBrowser();
try {
  for (const width of [1024, 375]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${hub}/healthz`);
    await page.setContent(`<form method="post" action="${hub}/teacher/dashboard"><input name="session" value="${session}"></form>`);
    await Promise.all([page.waitForNavigation(), page.evaluate(() => document.forms[0].submit())]);
    await page.waitForSelector('main#class-dashboard');
    await audit(page, `class dashboard at ${width} px`);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    check(`class dashboard at ${width} px: the page does not scroll sideways (the table does)`, scrollWidth <= width + 1,
      `scrollWidth ${scrollWidth}`);
    const charts = await page.$$eval('svg[role=img]', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
    check(`class dashboard at ${width} px: charts are drawn and fit`, charts.length >= 1 && charts.every((w) => w > 100 && w <= width),
      JSON.stringify(charts));
    const rows = await page.$$eval('tr[data-learner]', (trs) => trs.length);
    check(`class dashboard at ${width} px: one row per learner`, rows === 2, String(rows));
    await context.close();
  }
  // The admin dashboard page: the token in its form, then the figures as tiles, charts and tables.
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${hub}/admin/dashboard`);
  await audit(page, 'admin dashboard form');
  await page.fill('#token', process.env.ADMIN_TOKEN);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.waitForSelector('main#admin-dashboard[data-statements]');
  await audit(page, 'admin dashboard');
  const charts = await page.$$eval('figure svg', (svgs) => svgs.length);
  check('admin dashboard: three charts', charts === 3, String(charts));
  await context.close();
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('dashboard-browser');
