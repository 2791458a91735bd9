// The player's xAPI tracking in a real browser: headless Debian Chromium plays a launched module and the hub's LRS
// is read back with the launch token. Checks `initialized` and `experienced`, the xAPI Video Profile (played,
// paused, seeked, completed with played segments), an offline period (statements wait in localStorage and all
// arrive once the network is back), the final quiz (`answered` with cmi.interaction, `passed` with the score),
// resume on a new visit, the language switch, and `terminated` sent by beacon when the learner leaves.
// The browser does the LTI launch itself: the LMS's login URL, the hub's redirect to the platform, the platform's
// form post of the signed id_token, the launch page, then the player.
// Env: HUB_URL, LOGIN_URL (the login initiation an LMS opens), CHROMIUM.
import { audit, check, launchBrowser, openPlayer, statements, summary, waitFor } from './lib.mjs';

const hub = process.env.HUB_URL;
let session = null;
let registration = null;
const V = 'https://w3id.org/xapi/video/verbs/';
const ADL = 'http://adlnet.gov/expapi/verbs/';

const mine = (verb) => statements(hub, session, { verb, registration });

async function openActivity(page, reference) {
  await Promise.all([page.waitForNavigation(), page.evaluate((value) => {
    const input = [...document.querySelectorAll('input[name=activity]')].find((i) => i.value === value);
    input.form.requestSubmit();
  }, reference)]);
  await page.waitForSelector('main#activity');
}

async function backToContents(page) {
  await Promise.all([page.waitForNavigation(), page.evaluate(() => document.querySelector('nav form[action="/player"]').requestSubmit())]);
  await page.waitForSelector('main#player');
}

const queued = (page) => page.evaluate(() => Object.keys(localStorage)
  .filter((key) => key.startsWith('classcode.xapi.queue.'))
  .reduce((count, key) => count + JSON.parse(localStorage.getItem(key)).length, 0));

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  await page.goto(process.env.LOGIN_URL);
  await page.waitForSelector('main#launch', { timeout: 15000 });
  session = await page.getAttribute('main#launch', 'data-session-token');
  registration = await page.getAttribute('main#launch', 'data-xapi-registration');
  check('the LTI launch in the browser reaches the launch page', Boolean(session && registration));
  await audit(page, 'launch page');
  await Promise.all([page.waitForNavigation(), page.click('main#launch button[type=submit]')]);
  await page.waitForSelector('main#player[data-xapi]');
  const initialized = await waitFor('initialized in the LRS', async () => (await mine(`${ADL}initialized`)).length > 0);
  check('the tracker records initialized once the player opens', initialized);

  const references = await page.$$eval('main#player ol input[name=activity]', (inputs) => inputs.map((input) => input.value));
  let pageReference = null;
  let videoReference = null;
  let quizReference = null;
  for (const reference of references) {
    await openActivity(page, reference);
    const kind = await page.getAttribute('main#activity', 'data-kind');
    if (kind === 'page' && !pageReference) pageReference = reference;
    if (kind === 'video' && !videoReference) videoReference = reference;
    if (kind === 'quiz') quizReference = reference;
    await backToContents(page);
  }
  check('the module has a page, a video and a quiz', pageReference && videoReference && quizReference, references.join(','));
  const experienced = await waitFor('experienced', async () => (await mine(`${ADL}experienced`)).length > 0);
  check('opening a page records experienced', experienced);

  // The video, as the xAPI Video Profile says: played, paused, seeked, completed with the played segments.
  await openActivity(page, videoReference);
  await page.waitForFunction(() => document.querySelector('video').readyState >= 1);
  const length = await page.evaluate(() => document.querySelector('video').duration);
  await page.evaluate(() => { const v = document.querySelector('video'); v.muted = true; return v.play(); });
  await page.waitForTimeout(700);
  await page.evaluate(() => document.querySelector('video').pause());
  await page.evaluate((to) => { document.querySelector('video').currentTime = to; }, Math.max(0, length - 1.5));
  await page.waitForFunction(() => !document.querySelector('video').seeking);
  const played = await waitFor('played and paused', async () => (await mine(`${V}paused`)).length > 0 && (await mine(`${V}seeked`)).length > 0);
  check('the video records played, paused and seeked', played);
  const [paused] = await mine(`${V}paused`);
  const ext = paused.result.extensions;
  check('paused carries the time, the progress and the played segments',
    typeof ext['https://w3id.org/xapi/video/extensions/time'] === 'number'
      && /\d+(\.\d+)?\[\.\]\d+/.test(ext['https://w3id.org/xapi/video/extensions/played-segments'] || '')
      && paused.context.extensions['https://w3id.org/xapi/video/extensions/session-id'],
    JSON.stringify(paused));
  check('video statements name the video activity type',
    paused.object.definition.type === 'https://w3id.org/xapi/video/activity-type/video', JSON.stringify(paused.object));
  check('video statements carry the registration and the module as parent',
    paused.context.registration === registration && paused.context.contextActivities.parent.length === 1,
    JSON.stringify(paused.context));

  // Offline: the end of the video is witnessed without a network; nothing is lost.
  await context.setOffline(true);
  await page.evaluate(() => { const v = document.querySelector('video'); v.playbackRate = 4; return v.play(); });
  await page.waitForFunction(() => document.querySelector('video').ended, null, { timeout: 20000 });
  const waiting = await waitFor('queued statements', async () => { const n = await queued(page); return n >= 2 ? n : 0; });
  check('offline, the statements wait in localStorage', waiting >= 2, String(waiting));
  check('offline, nothing reached the LRS yet', (await mine(`${ADL}completed`)).length === 0);
  await context.setOffline(false);
  await waitFor('the queue to drain', async () => (await queued(page)) === 0, 20000);
  const completed = await mine(`${ADL}completed`);
  check('back online, the queued completed reached the LRS', completed.length === 1
    && completed[0].result.extensions['https://w3id.org/xapi/video/extensions/progress'] > 0, JSON.stringify(completed));
  const replayed = await mine(`${V}played`);
  check('back online, the second played reached the LRS too', replayed.length >= 2, String(replayed.length));

  // The final quiz: every answer recorded as cmi.interaction, the score with passed or failed.
  await backToContents(page);
  await openActivity(page, quizReference);
  await page.$$eval('fieldset.question', (sets) => sets.forEach((set) => {
    const first = set.querySelector('input[type=radio], input[type=checkbox]');
    if (first) first.checked = true; else set.querySelector('input[type=text]').value = '1';
  }));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/player/quiz"] button[type=submit]')]);
  await page.waitForSelector('#quiz-score');
  await audit(page, 'quiz feedback');
  const answered = await mine(`${ADL}answered`);
  check('each quiz question is answered with a cmi.interaction', answered.length > 0 && answered.every((s) =>
    s.object.definition.type === 'http://adlnet.gov/expapi/activities/cmi.interaction'
      && s.object.definition.interactionType && s.object.definition.correctResponsesPattern
      && typeof s.result.success === 'boolean' && typeof s.result.response === 'string'),
  String(answered.length));
  const results = [...await mine(`${ADL}passed`), ...await mine(`${ADL}failed`)];
  const scaled = Number(await page.getAttribute('#quiz-score', 'data-scaled'));
  check('the final quiz is passed or failed with the scaled score shown',
    results.length === 1 && Math.abs(results[0].result.score.scaled - scaled) < 1e-4, JSON.stringify(results));

  check('moving between the player\'s pages records no terminated', (await mine(`${ADL}terminated`)).length === 0);
  check('one initialized for the whole visit', (await mine(`${ADL}initialized`)).length === 1);

  // A new visit (say, after closing the tab) resumes at the last activity.
  const again = await context.newPage();
  await openPlayer(again, hub, session);
  await again.waitForSelector('main#player');
  const resume = await again.$eval('.resume input[name=activity]', (input) => input.value);
  check('a new visit resumes at the last activity opened', resume === quizReference, `${resume} vs ${quizReference}`);
  await audit(again, 'overview with progress');

  // The language switch: English, then the navigation stays in English.
  await Promise.all([again.waitForNavigation(), again.click('.lang-switch button')]);
  check('the switch shows the player in English', (await again.getAttribute('html', 'lang')) === 'en');
  await Promise.all([again.waitForNavigation(), again.evaluate(() => document.querySelector('.resume form').requestSubmit())]);
  check('the next page stays in English', (await again.getAttribute('html', 'lang')) === 'en');

  // Leaving the player: terminated goes out by beacon as the page goes away; moving inside it sent none.
  await again.goto('about:blank');
  const terminated = await waitFor('terminated', async () => (await mine(`${ADL}terminated`)).length > 0);
  check('leaving the player records terminated', terminated);
  await page.close();
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('tracking');
