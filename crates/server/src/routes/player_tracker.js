// Class'Code Hub player tracker: the statements the browser witnesses (the session's start and end, pages
// experienced, the xAPI Video Profile events), sent to the hub's LRS with the launch token.
//
// Nothing is lost when the network drops: every statement gets its id here and waits in localStorage until the LRS
// has acknowledged it; the queue is retried on a timer and when the browser comes back online, and handed to
// `navigator.sendBeacon` when the page goes away. Resending is harmless: the LRS keeps one statement per id.
// The page says what to track in the JSON of `data-xapi` on `<main>`.
(function () {
  'use strict';
  var main = document.querySelector('main[data-xapi]');
  if (!main) return;
  var cfg;
  try { cfg = JSON.parse(main.getAttribute('data-xapi')); } catch (e) { return; }
  var QUEUE = 'classcode.xapi.queue.' + cfg.context.registration;
  var SESSION = 'classcode.xapi.session.' + cfg.lid;
  var VERSION = '1.0.3';
  var sending = false;
  var internalNavigation = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  // localStorage when the browser allows it (private modes may not), else this page's memory.
  var store = (function () {
    try { localStorage.setItem('classcode.probe', '1'); localStorage.removeItem('classcode.probe'); return localStorage; } catch (e) { return null; }
  }());
  var memory = [];
  function pending() {
    if (!store) return memory;
    try { return JSON.parse(store.getItem(QUEUE) || '[]'); } catch (e) { return memory; }
  }
  function save(queue) {
    memory = queue;
    if (store) { try { store.setItem(QUEUE, JSON.stringify(queue)); } catch (e) { /* quota: kept in memory */ } }
  }

  function verb(id, fr, en) { return { id: id, display: { 'fr-FR': fr, 'en-US': en } }; }
  var VERBS = {
    initialized: verb('http://adlnet.gov/expapi/verbs/initialized', 'a commencé', 'initialized'),
    terminated: verb('http://adlnet.gov/expapi/verbs/terminated', 'a quitté', 'terminated'),
    experienced: verb('http://adlnet.gov/expapi/verbs/experienced', 'a consulté', 'experienced'),
    played: verb('https://w3id.org/xapi/video/verbs/played', 'a lu', 'played'),
    paused: verb('https://w3id.org/xapi/video/verbs/paused', 'a mis en pause', 'paused'),
    seeked: verb('https://w3id.org/xapi/video/verbs/seeked', 'a déplacé la lecture', 'seeked'),
    completed: verb('http://adlnet.gov/expapi/verbs/completed', 'a terminé', 'completed')
  };

  function record(name, object, result, extraContext) {
    var context = JSON.parse(JSON.stringify(cfg.context));
    if (extraContext) {
      context.extensions = Object.assign(context.extensions || {}, extraContext);
    }
    var statement = {
      id: uuid(), actor: cfg.actor, verb: VERBS[name], object: object, context: context,
      timestamp: new Date().toISOString()
    };
    if (result) statement.result = result;
    var queue = pending();
    queue.push(statement);
    save(queue);
    flush();
    return statement;
  }

  // Sends what waits, oldest first, in batches; keeps what the LRS did not acknowledge.
  function flush() {
    if (sending || navigator.onLine === false) return;
    var queue = pending();
    if (!queue.length) return;
    var batch = queue.slice(0, 50);
    sending = true;
    fetch(cfg.endpoint + 'statements', {
      method: 'POST',
      headers: { 'Authorization': cfg.auth, 'X-Experience-API-Version': VERSION, 'Content-Type': 'application/json' },
      body: JSON.stringify(batch)
    }).then(function (response) {
      sending = false;
      var sent = batch.map(function (s) { return s.id; });
      if (response.ok || (response.status >= 400 && response.status < 500 && [401, 403, 408, 429].indexOf(response.status) < 0)) {
        // Acknowledged, or refused for good (a malformed statement must not block the queue forever).
        if (!response.ok) console.warn('Class\'Code: the LRS refused statements', response.status);
        save(pending().filter(function (s) { return sent.indexOf(s.id) < 0; }));
        if (pending().length) flush();
      }
    }).catch(function () { sending = false; });
  }

  // On the way out: the whole queue in one beacon (xAPI 1.0.3 alternate request syntax, since a beacon cannot
  // carry headers). It stays queued until a later page sees it acknowledged by a normal send.
  function beacon() {
    var queue = pending();
    if (!queue.length || !navigator.sendBeacon) return;
    var form = new URLSearchParams();
    form.set('Authorization', cfg.auth);
    form.set('X-Experience-API-Version', VERSION);
    form.set('Content-Type', 'application/json');
    form.set('content', JSON.stringify(queue));
    navigator.sendBeacon(cfg.endpoint + 'statements?method=POST',
      new Blob([form.toString()], { type: 'application/x-www-form-urlencoded' }));
  }

  // The session: `initialized` once per launch, `terminated` when the learner leaves the player.
  var started = false;
  try { started = sessionStorage.getItem(SESSION) === 'open'; } catch (e) { /* no session storage */ }
  if (!started) {
    record('initialized', cfg.launched, null);
    try { sessionStorage.setItem(SESSION, 'open'); } catch (e) { /* no session storage */ }
  }
  document.addEventListener('submit', function () { internalNavigation = true; }, true);
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[href]');
    if (link && link.origin === location.origin && link.target !== '_blank') internalNavigation = true;
  }, true);
  window.addEventListener('pagehide', function () {
    if (!internalNavigation) {
      record('terminated', cfg.launched, null);
      try { sessionStorage.removeItem(SESSION); } catch (e) { /* no session storage */ }
    }
    beacon();
  });
  window.addEventListener('online', flush);
  setInterval(flush, 5000);

  if (cfg.object && (cfg.kind === 'page' || cfg.kind === 'unplugged' || cfg.kind === 'project' || cfg.kind === 'external')) {
    record('experienced', cfg.object, null);
  }

  // xAPI Video Profile: played, paused, seeked, completed, with the time, the played segments and the progress.
  var video = main.querySelector('video');
  if (video && cfg.object) {
    var EXT = 'https://w3id.org/xapi/video/extensions/';
    var videoSession = uuid();
    var segments = [];
    var segmentStart = null;
    var lastTime = 0;
    var done = false;
    var round = function (t) { return Math.round(t * 1000) / 1000; };
    var closeSegment = function (end) {
      if (segmentStart !== null) { segments.push([round(segmentStart), round(end)]); segmentStart = null; }
    };
    var playedSegments = function () { return segments.map(function (s) { return s[0] + '[.]' + s[1]; }).join('[,]'); };
    var progress = function () {
      if (!video.duration || !isFinite(video.duration)) return 0;
      var merged = segments.slice().sort(function (a, b) { return a[0] - b[0]; });
      var total = 0; var end = -1;
      merged.forEach(function (s) {
        var from = Math.max(s[0], end);
        if (s[1] > from) { total += s[1] - from; end = s[1]; }
      });
      return Math.min(1, round(total / video.duration));
    };
    var contextExt = function () {
      var ext = {};
      ext[EXT + 'session-id'] = videoSession;
      if (video.duration && isFinite(video.duration)) ext[EXT + 'length'] = round(video.duration);
      return ext;
    };
    var result = function (fields) {
      var ext = {};
      Object.keys(fields).forEach(function (k) { ext[EXT + k] = fields[k]; });
      return { extensions: ext };
    };
    video.addEventListener('play', function () {
      segmentStart = video.currentTime;
      record('played', cfg.object, result({ time: round(video.currentTime) }), contextExt());
    });
    video.addEventListener('pause', function () {
      if (video.ended) return;
      closeSegment(video.currentTime);
      record('paused', cfg.object, result({ time: round(video.currentTime), progress: progress(), 'played-segments': playedSegments() }), contextExt());
    });
    video.addEventListener('timeupdate', function () {
      if (!video.seeking) lastTime = video.currentTime;
    });
    video.addEventListener('seeked', function () {
      var wasPlaying = segmentStart !== null;
      closeSegment(lastTime);
      record('seeked', cfg.object, result({ 'time-from': round(lastTime), 'time-to': round(video.currentTime) }), contextExt());
      if (wasPlaying && !video.paused) segmentStart = video.currentTime;
      lastTime = video.currentTime;
    });
    video.addEventListener('ended', function () {
      closeSegment(video.duration);
      if (done) return;
      done = true;
      var r = result({ time: round(video.currentTime), progress: progress(), 'played-segments': playedSegments() });
      r.completion = true;
      record('completed', cfg.object, r, contextExt());
    });
  }
  flush();
}());
