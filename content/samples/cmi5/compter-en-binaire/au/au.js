/* Compter en binaire — a cmi5 Assignable Unit in plain ES2017, no libraries.
   CC BY-SA 4.0, Équipe Class'Code Hub. */
'use strict';

(function () {
  const CATEGORY_CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
  const CATEGORY_MOVEON = 'https://w3id.org/xapi/cmi5/context/categories/moveon';
  const EXT_MASTERY = 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore';
  // Verb display names: [fr-FR, en-US].
  const VERBS = { initialized: ['initialisé', 'initialized'], completed: ['achevé', 'completed'],
    passed: ['réussi', 'passed'], failed: ['échoué', 'failed'], terminated: ['terminé', 'terminated'] };
  const DEFAULT_MASTERY = 0.6; // only used when LaunchData carries no masteryScore

  // Launch parameters (cmi5 §8.1) and this page's own `etape`.
  const params = new URLSearchParams(location.search);
  const etape = params.get('etape') === 'quiz' ? 'quiz' : 'decouvrir';
  let endpoint = params.get('endpoint') || '';
  if (endpoint && !endpoint.endsWith('/')) endpoint += '/';
  const registration = params.get('registration');
  const activityId = params.get('activityId');

  let actor = null, token = null, launchData = null;
  let startedAt = 0;          // Date.now() when initialized was sent
  let initialized = false;    // initialized stored by the LRS
  let completedSent = false;  // completed goes out at most once per page life
  let terminatedSent = false;
  let stopped = false;        // after an error, nothing more is sent
  let queue = Promise.resolve();

  const $ = (id) => document.getElementById(id);
  const setState = (state) => { document.body.dataset.state = state; };
  const status = (text) => { $('statut').textContent = text; };
  const isNormal = () => launchData !== null && launchData.launchMode === 'Normal';

  // Shows an error in the alert region and stops the session.
  function fail(error) {
    if (stopped) return;
    stopped = true;
    // fetch() rejects with a TypeError when the network fails.
    $('alerte').textContent = error instanceof TypeError
      ? `Impossible de joindre la plateforme (${error.message}).` : error.message;
    status('Une erreur empêche de continuer.');
    ['terminer', 'valider'].forEach((id) => { $(id).disabled = true; });
    $('quitter').disabled = !(launchData && launchData.returnURL);
    setState('error');
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Plain-http origins lack randomUUID: build a version 4 UUID from random bytes.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
  }

  // ISO 8601 duration since initialized, to the hundredth of a second, e.g. "PT12.5S".
  const duration = () => `PT${Math.round((Date.now() - startedAt) / 10) / 100}S`;

  const headers = () => ({
    Authorization: `Basic ${token}`,
    'X-Experience-API-Version': '1.0.3',
    'Content-Type': 'application/json',
  });

  // Resolves to the response when it is 2xx; otherwise throws the LRS's own error message.
  async function check(response) {
    if (response.ok) return response;
    const body = await response.json().catch(() => ({})); // a non-JSON answer gets the generic message
    throw new Error(String((body && (body.message || body.error)) || `La plateforme a répondu par une erreur ${response.status}.`));
  }

  // POST to the fetch URL, once, for the auth token (cmi5 §8.2).
  async function fetchToken() {
    const response = await fetch(params.get('fetch'), { method: 'POST' });
    const body = (await response.json().catch(() => null)) || {};
    if (body['error-code'] !== undefined) throw new Error(body['error-text'] || `Erreur de lancement ${body['error-code']}.`);
    if (!response.ok || !body['auth-token']) throw new Error(`La plateforme n'a pas donné de jeton d'accès (${response.status}).`);
    return body['auth-token'];
  }

  async function getLaunchData() {
    const query = [
      ['stateId', 'LMS.LaunchData'], ['activityId', activityId],
      ['agent', JSON.stringify(actor)], ['registration', registration],
    ].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const response = await check(await fetch(`${endpoint}activities/state?${query}`, { headers: headers() }));
    return response.json();
  }

  // cmi5 allows one `completed` per AU and registration: a second launch (say, to retry the quiz) must not send
  // another, so ask the LRS whether an earlier session already did.
  async function completedBefore() {
    const query = [
      ['verb', 'http://adlnet.gov/expapi/verbs/completed'], ['activity', activityId],
      ['registration', registration], ['limit', '1'],
    ].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const response = await check(await fetch(`${endpoint}statements?${query}`, { headers: headers() }));
    const body = await response.json();
    return Array.isArray(body.statements) && body.statements.length > 0;
  }

  // Builds a cmi5 statement from the LMS's context template.
  function statement(verb, result, extensions) {
    const context = JSON.parse(JSON.stringify(launchData.contextTemplate || {}));
    context.registration = registration;
    const activities = context.contextActivities || {};
    const moveOn = verb === 'completed' || verb === 'passed' || verb === 'failed';
    const others = (activities.category || [])
      .filter((a) => a.id !== CATEGORY_CMI5 && a.id !== CATEGORY_MOVEON);
    activities.category = others.concat([{ id: CATEGORY_CMI5 }], moveOn ? [{ id: CATEGORY_MOVEON }] : []);
    context.contextActivities = activities;
    if (extensions) context.extensions = Object.assign(context.extensions || {}, extensions);
    const s = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor,
      verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'fr-FR': VERBS[verb][0], 'en-US': VERBS[verb][1] } },
      object: { objectType: 'Activity', id: activityId },
      context,
    };
    if (result) s.result = result;
    return s;
  }

  // Sends statements one at a time, in order; once one fails, the following ones fail too.
  function send(verb, result, extensions) {
    const body = JSON.stringify(statement(verb, result, extensions));
    queue = queue.then(async () => {
      if (stopped) throw new Error('session arrêtée');
      await check(await fetch(`${endpoint}statements`, { method: 'POST', headers: headers(), body }));
    });
    return queue;
  }

  // Dot cards: each toggle button is a card, pressed = face up (counts as 1).
  function setupCards() {
    const cards = Array.from(document.querySelectorAll('.carte'));
    const update = () => {
      const up = cards.map((card) => card.getAttribute('aria-pressed') === 'true');
      $('binaire').textContent = up.map((bit) => (bit ? '1' : '0')).join('');
      $('decimal').textContent = String(cards.reduce((sum, card, i) => sum + (up[i] ? Number(card.dataset.valeur) : 0), 0));
    };
    cards.forEach((card) => {
      const value = Number(card.dataset.valeur);
      card.innerHTML = `<span class="points" aria-hidden="true">${'<span class="point"></span>'.repeat(value)}</span>`
        + `<span class="valeur">${value} point${value > 1 ? 's' : ''}</span>`;
      card.addEventListener('click', () => {
        card.setAttribute('aria-pressed', String(card.getAttribute('aria-pressed') !== 'true'));
        update();
      });
    });
    update();
  }

  function masteryScore() {
    return typeof launchData.masteryScore === 'number' ? launchData.masteryScore : null;
  }

  async function onFinish() {
    $('terminer').disabled = true;
    const message = $('message-decouvrir');
    if (!isNormal()) { message.textContent = 'Aperçu : rien n’est enregistré.'; setState('done'); return; }
    try {
      status('Enregistrement…');
      completedSent = true;
      await send('completed', { completion: true, duration: duration() });
      message.textContent = 'Étape terminée, bravo ! Vous pouvez revenir au cours.';
      message.focus();
      status('Étape enregistrée comme terminée.');
      setState('done');
    } catch (error) { fail(error); }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const sets = Array.from(document.querySelectorAll('#formulaire fieldset'));
    const missing = sets.findIndex((set) => !set.querySelector('input:checked'));
    if (missing >= 0) {
      status(`Répondez à la question ${missing + 1} avant de valider.`);
      sets[missing].querySelector('input').focus();
      return;
    }
    let right = 0;
    sets.forEach((set) => {
      const ok = set.querySelector('input:checked').value === set.dataset.reponse;
      if (ok) right += 1;
      const feedback = set.querySelector('.retour');
      feedback.className = `retour ${ok ? 'juste' : 'faux'}`;
      feedback.textContent = `${ok ? 'Bonne réponse.' : 'Ce n\'est pas la bonne réponse.'} ${feedback.dataset.explication}`;
    });
    const max = sets.length;
    const scaled = Math.round((right / max) * 10000) / 10000;
    const mastery = masteryScore();
    const success = scaled >= (mastery === null ? DEFAULT_MASTERY : mastery);

    // Only fixed text and numbers go into this HTML.
    const box = $('resultat');
    const plural = right > 1 ? 's' : '';
    box.innerHTML = `<p><strong>Score : ${right} bonne${plural} réponse${plural} sur ${max}.</strong></p><p>${success
      ? 'Quiz réussi, bravo !'
      : 'Quiz non réussi. Relisez les explications ci-dessus, puis quittez et relancez l’activité depuis le cours pour une nouvelle tentative.'}</p>${
      isNormal() ? '' : '<p>Aperçu : ce résultat n’est pas enregistré.</p>'}`;
    box.hidden = false;
    box.focus();
    if (!isNormal()) { setState('done'); return; }

    // Normal mode: one attempt per launch.
    sets.forEach((set) => { set.disabled = true; });
    $('valider').disabled = true;
    try {
      status('Enregistrement du résultat…');
      if (!completedSent) {
        completedSent = true;
        await send('completed', { completion: true, duration: duration() });
      }
      const result = { success, score: { scaled, raw: right, min: 0, max }, duration: duration() };
      await send(success ? 'passed' : 'failed', result, mastery === null ? null : { [EXT_MASTERY]: mastery });
      status('Résultat enregistré.');
      setState('done');
    } catch (error) { fail(error); }
  }

  async function onQuit() {
    $('quitter').disabled = true;
    try {
      if (initialized && !terminatedSent && !stopped) {
        terminatedSent = true;
        status('Fermeture de la session…');
        await send('terminated', { duration: duration() });
        ['terminer', 'valider'].forEach((id) => { $(id).disabled = true; });
        setState('terminated');
        status('Session terminée. Vous pouvez fermer cette page.');
      }
      if (launchData && launchData.returnURL) location.href = launchData.returnURL;
    } catch (error) { fail(error); }
  }

  // Leaving the page without "Quitter": terminate anyway, with a request that outlives the page.
  window.addEventListener('pagehide', () => {
    if (!initialized || terminatedSent || stopped) return;
    terminatedSent = true;
    const body = JSON.stringify(statement('terminated', { duration: duration() }));
    fetch(`${endpoint}statements`, { method: 'POST', keepalive: true, headers: headers(), body })
      .catch(() => { /* the page is going away */ });
  });

  async function start() {
    const title = etape === 'quiz' ? 'Quiz : compter en binaire' : 'Découvrir le binaire';
    $('titre').textContent = title;
    document.title = `${title} — Class'Code`;
    setupCards();
    $('terminer').addEventListener('click', onFinish);
    $('formulaire').addEventListener('submit', onSubmit);
    $('quitter').addEventListener('click', onQuit);
    try {
      if (!endpoint || !params.get('fetch') || !params.get('actor') || !registration || !activityId) {
        throw new Error('Cette activité doit être lancée depuis la plateforme : des paramètres de lancement manquent.');
      }
      try { actor = JSON.parse(params.get('actor')); } catch (ignored) { throw new Error('Le paramètre « actor » n’est pas du JSON valide.'); }
      token = await fetchToken();
      launchData = await getLaunchData();
      startedAt = Date.now();
      await send('initialized');
      initialized = true;
      completedSent = await completedBefore();

      $('apercu').hidden = isNormal();
      $(etape).hidden = false;
      if (etape === 'quiz') {
        const mastery = masteryScore();
        $('seuil').textContent = `Il faut au moins ${Math.round((mastery === null ? DEFAULT_MASTERY : mastery) * 100)} % de bonnes réponses pour réussir.`;
        $('valider').disabled = false;
      } else {
        $('terminer').disabled = false;
      }
      $('quitter').disabled = false;
      status(isNormal() ? 'Activité prête.' : 'Aperçu prêt.');
      setState('ready');
    } catch (error) { fail(error); }
  }

  start();
}());
