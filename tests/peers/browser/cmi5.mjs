// A cmi5 course in a real browser: headless Debian Chromium opens the course from an LTI launch, launches each AU
// of the sample package (content/samples/cmi5), lets the AU do its part of cmi5 (fetch URL, LMS.LaunchData,
// initialized, completed, passed, terminated), follows its returnURL back, and checks what the course shows and
// what the LRS holds. The course page and the AU are audited with axe-core.
// Env: HUB_URL, SESSION (a learner's session from an LTI launch of the cmi5 course), REGISTRATION, CHROMIUM.
import { audit, check, launchBrowser, openPlayer, statements, summary } from './lib.mjs';

const hub = process.env.HUB_URL;
const session = process.env.SESSION;
const registration = process.env.REGISTRATION;
const QUIZ = 'https://classcode.fr/cmi5/compter-en-binaire/quiz';
const READING = 'https://classcode.fr/cmi5/compter-en-binaire/decouvrir';

async function launchAu(page, id) {
  await Promise.all([page.waitForNavigation(), page.evaluate((value) => {
    const input = [...document.querySelectorAll('input[name=activity]')].find((i) => i.value === value);
    input.form.requestSubmit();
  }, id)]);
  await page.waitForSelector('body[data-state=ready], body[data-state=error]');
  const state = await page.getAttribute('body', 'data-state');
  const alert = state === 'error' ? await page.textContent('#alerte') : '';
  check(`the AU ${id.split('/').pop()} starts (fetch, LaunchData, initialized)`, state === 'ready', alert);
}

async function quitToCourse(page) {
  await Promise.all([page.waitForNavigation(), page.click('#quitter')]);
  await page.waitForSelector('main#cmi5');
}

const browser = await launchBrowser();
try {
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
  await openPlayer(page, hub, session);
  await page.waitForSelector('main#cmi5');
  await audit(page, 'cmi5 course');
  check('the course lists its two AUs', (await page.$$('main#cmi5 li[data-au]')).length === 2);

  await launchAu(page, QUIZ);
  await audit(page, 'cmi5 AU (quiz)');
  await page.$$eval('#formulaire fieldset', (sets) => sets.forEach((set) => {
    set.querySelector(`input[value="${set.dataset.reponse}"]`).checked = true;
  }));
  await page.click('#valider');
  await page.waitForSelector('body[data-state=done], body[data-state=error]');
  check('the AU stores its result', (await page.getAttribute('body', 'data-state')) === 'done',
    await page.textContent('#alerte'));
  await quitToCourse(page);
  check('back on the course, the quiz AU is satisfied',
    (await page.getAttribute(`li[data-au="${QUIZ}"]`, 'data-satisfied')) === 'true'
      && (await page.getAttribute('main#cmi5', 'data-progress')) === '1/2',
    await page.getAttribute('main#cmi5', 'data-progress'));

  await launchAu(page, READING);
  await page.click('#terminer');
  await page.waitForSelector('body[data-state=done], body[data-state=error]');
  await quitToCourse(page);
  check('both AUs done: the course is satisfied',
    (await page.getAttribute('main#cmi5', 'data-progress')) === '2/2' && (await page.$('main#cmi5 p.done')) !== null);

  const mine = (verb) => statements(hub, session, { verb: `http://adlnet.gov/expapi/verbs/${verb}`, registration });
  const [passed] = await mine('passed');
  check('the LRS holds the AU\'s passed with its score and the cmi5 categories',
    passed && passed.result.score.scaled === 1
      && passed.context.contextActivities.category.some((c) => c.id.endsWith('/categories/moveon')),
    JSON.stringify(passed));
  check('each AU session was initialized and terminated',
    (await mine('initialized')).length === 2 && (await mine('terminated')).length === 2);
} catch (error) {
  check('browser run', false, error.stack || String(error));
} finally {
  await browser.close();
}
summary('cmi5-browser');
