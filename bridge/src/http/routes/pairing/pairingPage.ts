/**
 * The pairing page: self-contained (no external assets; its one script and one stylesheet carry
 * the response's CSP nonce), it listens to the token's event stream and shows the live QR with a
 * countdown to its expiry, pairing by phone number, then the connected state. When the codes run
 * out (or linking fails) it offers a fresh code through POST /pair/:token/restart, so the link
 * never dead-ends while the session is unpaired. EventSource reconnects by itself, to any
 * instance, so the page survives a restart or a failover.
 */
export interface PairingPageOptions {
  /** Sandbox mode: say so, and offer to scan with the simulated phone. */
  sandbox?: boolean;
  /** Per-response CSP nonce of the page's script and stylesheet. */
  nonce: string;
  /** When the link stops working (the token's expiry). */
  linkExpiresAt: Date;
  /** The server's clock when the page was rendered: the countdown corrects the phone's clock by it. */
  now?: Date;
}

const STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f0f2f5; color: #111b21; margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; padding: 16px; }
  main { background: #fff; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); padding: 28px; max-width: 440px; width: 100%; text-align: center; }
  h1 { font-size: 1.25rem; margin: 0 0 8px; overflow-wrap: anywhere; }
  h2 { font-size: 1.05rem; margin: 0 0 8px; }
  p { color: #3b4a54; line-height: 1.5; margin: 8px 0; }
  [hidden] { display: none !important; }
  .banner { background: #fff4ce; color: #5c4400; border-radius: 8px; padding: 8px 12px; font-weight: 600; }
  #status-line { font-weight: 600; color: #3b4a54; }
  #qr { width: min(280px, 100%); aspect-ratio: 1; margin: 12px auto 4px; display: flex; align-items: center; justify-content: center; background: #f7f8fa; border-radius: 8px; }
  #qr img { width: 100%; height: 100%; image-rendering: pixelated; }
  #countdown { font-variant-numeric: tabular-nums; font-weight: 600; color: #111b21; margin: 4px 0; }
  #countdown.soon { color: #8a1c14; }
  #countdown-bar { width: min(280px, 100%); height: 8px; accent-color: #008069; }
  ol { text-align: left; color: #3b4a54; padding-left: 1.4em; line-height: 1.5; }
  button { font: inherit; font-weight: 600; min-height: 44px; padding: 10px 20px; border-radius: 22px; border: 0; background: #006d59; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #006d59; border: 2px solid #006d59; }
  button:disabled { background: #c4cbd0; color: #3b4a54; cursor: not-allowed; border-color: #c4cbd0; }
  button:focus-visible, input:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  .panel { border-radius: 10px; padding: 16px; margin: 16px 0; }
  .ok { background: #e7f6ef; color: #0b4f3c; }
  .ok h2 { color: #0b4f3c; font-size: 1.3rem; }
  .ok p { color: #0b4f3c; }
  .bad { background: #fdecea; color: #8a1c14; }
  .bad h2, .bad p { color: #8a1c14; }
  .mark { font-size: 2.5rem; line-height: 1; display: block; margin-bottom: 4px; }
  #by-phone { border-top: 1px solid #e3e6e8; margin-top: 20px; padding-top: 16px; text-align: left; }
  #by-phone h2 { text-align: center; }
  label { display: block; font-weight: 600; margin: 8px 0 4px; }
  .hint { font-size: .9rem; color: #3b4a54; margin: 0 0 8px; }
  .row { display: flex; gap: 8px; flex-wrap: wrap; }
  input[type="tel"] { flex: 1 1 180px; min-width: 0; font: inherit; min-height: 44px; padding: 8px 12px; border: 2px solid #667781; border-radius: 8px; color: #111b21; background: #fff; }
  #phone-error { color: #8a1c14; font-weight: 600; }
  #pairing-code { display: block; font: 700 2rem/1.2 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; letter-spacing: .12em; text-align: center; margin: 8px 0; color: #111b21; }
  #link-expiry { font-size: .85rem; color: #54656f; margin-top: 16px; }
  @media (max-width: 420px) { body { padding: 0; align-items: stretch; } main { border-radius: 0; box-shadow: none; padding: 20px 16px; } }
`;

// No template literals inside: the page source is itself a template literal.
const SCRIPT = `
(function () {
  'use strict';
  var root = document.getElementById('pairing');
  var base = location.pathname.replace(/\\/$/, '');
  // The phone's clock may be off: count down on the server's. A difference under 2 s is mostly the
  // page's own transfer time, so it is left alone.
  var skew = Number(root.getAttribute('data-server-time')) - Date.now();
  var clockOffset = Math.abs(skew) > 2000 ? skew : 0;
  var el = function (id) { return document.getElementById(id); };
  var statusLine = el('status-line'), qrPanel = el('qr-panel'), qr = el('qr'), countdown = el('countdown'), bar = el('countdown-bar');
  var waiting = el('waiting'), ended = el('ended'), endedTitle = el('ended-title'), endedText = el('ended-text'), fresh = el('fresh-code');
  var success = el('success'), successText = el('success-text'), failure = el('failure'), failureText = el('failure-text');
  var steps = el('steps'), byPhone = el('by-phone'), form = el('phone-form'), phone = el('phone'), getCode = el('get-code');
  var phoneHint = el('phone-hint'), phoneError = el('phone-error'), codeBox = el('code-box'), code = el('pairing-code');
  var simulate = el('simulate-scan'), simulateResult = el('simulate-result'), failureTitle = el('failure-title'), linkExpiry = el('link-expiry');
  var current = { status: null, qrExpiresAt: 0, qrLifetime: 0, done: false };
  var timer = null;

  function text(node, value) { node.textContent = value; }
  function setStatus(value) { text(statusLine, value); }
  function post(path, body) {
    return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) { return { ok: res.ok, status: res.status, body: data }; });
      });
  }
  function errorOf(r) { return (r.body && r.body.error) || { code: 'unknown', message: 'The bridge answered ' + r.status + '.' }; }
  // Errors after which this link cannot pair the session any more.
  var FINAL = { pairing_link_invalid: 1, pairing_link_used: 1, session_already_paired: 1 };

  function stopCountdown() { if (timer) { clearInterval(timer); timer = null; } }
  function tick() {
    var left = Math.max(0, current.qrExpiresAt - (Date.now() + clockOffset));
    var seconds = Math.ceil(left / 1000);
    bar.max = Math.max(1, Math.round(current.qrLifetime / 1000));
    bar.value = seconds;
    if (left <= 0) {
      text(countdown, 'This code expired. A new one is on its way…');
      countdown.className = 'soon';
      return;
    }
    var m = Math.floor(seconds / 60), s = seconds % 60;
    text(countdown, 'Code expires in ' + m + ':' + (s < 10 ? '0' : '') + s);
    countdown.className = seconds <= 5 ? 'soon' : '';
  }

  function phoneFormEnabled(enabled) {
    getCode.disabled = !enabled;
    phone.disabled = !enabled;
    text(phoneHint, enabled ? 'International format, country code first, e.g. +49 151 2345678.' : 'Available while a code is showing.');
  }
  function hideAll() {
    qrPanel.hidden = true; waiting.hidden = true; ended.hidden = true; failure.hidden = true;
  }
  // The scanning instructions (and the simulated phone) only while there is a code to scan.
  function scanning(visible) {
    steps.hidden = !visible;
    if (simulate) simulate.hidden = !visible;
  }
  function showWaiting(message) {
    stopCountdown();
    hideAll();
    text(waiting, message);
    waiting.hidden = false;
  }
  function showFailure(message, final) {
    failure.hidden = false;
    text(failureTitle, final ? 'This link cannot pair the session any more' : 'Something went wrong');
    text(failureText, message);
    if (final) {
      current.done = true;
      stopCountdown();
      qrPanel.hidden = true; waiting.hidden = true; ended.hidden = true; byPhone.hidden = true; linkExpiry.hidden = true;
      scanning(false);
      if (simulateResult) simulateResult.hidden = true;
      source.close();
      setStatus('Ask whoever sent you this link for a new one.');
    }
  }
  function showEnded(status, reason) {
    stopCountdown();
    hideAll();
    scanning(false);
    codeBox.hidden = true;
    phoneFormEnabled(false);
    var title = 'Linking stopped', detail = 'Get a fresh code to try again.';
    if (status === 'stopped' && reason === 'qr_timeout') { title = 'The codes ran out'; detail = 'Nobody scanned or typed a code in time. Get a fresh code to try again.'; }
    else if (status === 'stopped') { title = 'The session is stopped'; detail = 'Get a fresh code to start linking.'; }
    else if (status === 'logged_out') { title = 'The phone was unlinked'; detail = 'Get a fresh code to link a phone again.'; }
    else if (status === 'failed') { title = 'Linking failed'; detail = 'WhatsApp ended the connection' + (reason ? ' (' + reason.replace(/_/g, ' ') + ')' : '') + '. Get a fresh code to try again.'; }
    text(endedTitle, title);
    text(endedText, detail);
    fresh.disabled = false;
    text(fresh, 'Get a fresh code');
    ended.hidden = false;
  }
  function showSuccess(phoneNumber) {
    current.done = true;
    stopCountdown();
    hideAll();
    byPhone.hidden = true; linkExpiry.hidden = true;
    scanning(false);
    if (simulateResult) simulateResult.hidden = true;
    text(successText, (phoneNumber ? 'WhatsApp +' + phoneNumber + ' is linked' : 'WhatsApp is linked') + '. You can close this page.');
    success.hidden = false;
    setStatus('Connected');
    source.close();
  }

  var source = new EventSource(base + '/events');
  source.addEventListener('qr', function (e) {
    if (current.done) return;
    var data = JSON.parse(e.data);
    var img = document.createElement('img');
    img.alt = 'WhatsApp QR code: scan it with your phone';
    img.src = data.dataUrl;
    qr.replaceChildren(img);
    current.qrExpiresAt = Date.parse(data.expiresAt);
    current.qrLifetime = Math.max(1000, current.qrExpiresAt - (Date.now() + clockOffset));
    hideAll();
    qrPanel.hidden = false;
    scanning(true);
    setStatus('Scan the code with WhatsApp on your phone');
    stopCountdown();
    tick();
    timer = setInterval(tick, 250);
  });
  source.addEventListener('status', function (e) {
    if (current.done) return;
    var data = JSON.parse(e.data);
    var previous = current.status;
    current.status = data.status;
    phoneFormEnabled(data.status === 'qr_ready');
    if (data.status === 'connected') return showSuccess(data.phoneNumber);
    if (data.status === 'stopped' || data.status === 'failed' || data.status === 'logged_out') {
      setStatus(data.status === 'failed' ? 'Linking failed' : data.status === 'logged_out' ? 'Unlinked' : 'Stopped');
      return showEnded(data.status, data.reason);
    }
    if (data.status === 'qr_ready') { failure.hidden = true; return; }
    // starting, connecting, reconnecting: no code to show right now.
    codeBox.hidden = true;
    var linking = previous === 'qr_ready' && data.status === 'connecting';
    setStatus(linking ? 'Linking your phone…' : 'Connecting to WhatsApp…');
    showWaiting(linking ? 'Linking your phone…' : 'Preparing a code…');
  });
  source.addEventListener('error', function () {
    if (current.done) return;
    if (source.readyState === 2) showFailure('This pairing link no longer works: it expired or is invalid. Ask for a new one.', true);
    else setStatus('Reconnecting to the bridge…');
  });

  fresh.addEventListener('click', function () {
    fresh.disabled = true;
    text(fresh, 'Getting a fresh code…');
    failure.hidden = true;
    post('/restart').then(function (r) {
      if (r.ok) {
        if (current.status !== 'qr_ready') { setStatus('Connecting to WhatsApp…'); showWaiting('Preparing a fresh code…'); }
        return;
      }
      var err = errorOf(r);
      fresh.disabled = false;
      text(fresh, 'Get a fresh code');
      showFailure(err.message, FINAL[err.code] === 1);
    }).catch(function () {
      fresh.disabled = false;
      text(fresh, 'Get a fresh code');
      showFailure('The bridge could not be reached. Check your connection and try again.', false);
    });
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    phoneError.hidden = true;
    codeBox.hidden = true;
    getCode.disabled = true;
    post('/pairing-code', { phoneNumber: phone.value }).then(function (r) {
      getCode.disabled = current.status !== 'qr_ready';
      if (r.ok) {
        var c = String(r.body.code || '');
        text(code, c.length === 8 ? c.slice(0, 4) + '-' + c.slice(4) : c);
        codeBox.hidden = false;
        codeBox.scrollIntoView({ block: 'center' });
        setStatus('Type the code on your phone');
        return;
      }
      var err = errorOf(r);
      if (FINAL[err.code] === 1) return showFailure(err.message, true);
      var issue = err.details && err.details.issues && err.details.issues[0];
      text(phoneError, err.code === 'validation_failed' ? 'That is not a phone number in international format (country code first, e.g. +49 151 2345678).' : err.message);
      phoneError.hidden = false;
      phone.setAttribute('aria-invalid', 'true');
      if (issue) phone.setAttribute('data-issue', String(issue.message || ''));
      phone.focus();
    }).catch(function () {
      getCode.disabled = current.status !== 'qr_ready';
      text(phoneError, 'The bridge could not be reached. Check your connection and try again.');
      phoneError.hidden = false;
    });
  });
  phone.addEventListener('input', function () { phone.removeAttribute('aria-invalid'); phoneError.hidden = true; });

  if (simulate) simulate.addEventListener('click', function () {
    simulate.disabled = true;
    simulateResult.hidden = false;
    post('/sandbox/scan').then(function (r) {
      text(simulateResult, r.ok ? 'Scanned by +' + r.body.device.phoneNumber + '. Linking…' : errorOf(r).message);
    }).catch(function () { text(simulateResult, 'The simulated phone could not be reached.'); })
      .then(function () { simulate.disabled = false; });
  });
  var expiry = new Date(root.getAttribute('data-link-expires-at'));
  if (!isNaN(expiry.getTime())) text(el('link-expiry'), 'This link works until ' + expiry.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) + '.');
})();
`;

export function pairingPageHtml(sessionName: string, options: PairingPageOptions): string {
  const name = sessionName.replace(/[^a-z0-9_-]/g, '');
  const nonce = options.nonce.replace(/[^A-Za-z0-9+/=_-]/g, '');
  const sandboxBanner = options.sandbox
    ? `<p id="sandbox" class="banner">SANDBOX — this bridge talks to a simulated WhatsApp, not the real one.</p>`
    : '';
  const sandboxButton = options.sandbox
    ? `<p><button id="simulate-scan" type="button" class="secondary">Scan with the simulated phone</button></p><p id="simulate-result" role="status" hidden></p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<title>Link WhatsApp: ${name}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main id="pairing" data-server-time="${(options.now ?? new Date()).getTime()}" data-link-expires-at="${options.linkExpiresAt.toISOString()}">
  ${sandboxBanner}
  <h1>Link WhatsApp to “${name}”</h1>
  <p id="status-line" role="status" aria-live="polite">Loading…</p>
  <section id="qr-panel" aria-label="QR code" hidden>
    <div id="qr"></div>
    <p id="countdown"></p>
    <progress id="countdown-bar" max="60" value="0" aria-hidden="true"></progress>
  </section>
  <p id="waiting">Waiting for a code…</p>
  <section id="ended" class="panel bad" role="alert" hidden>
    <h2 id="ended-title">Linking stopped</h2>
    <p id="ended-text"></p>
    <button id="fresh-code" type="button">Get a fresh code</button>
  </section>
  <section id="success" class="panel ok" role="alert" hidden>
    <span class="mark" aria-hidden="true">✓</span>
    <h2>Linked</h2>
    <p id="success-text"></p>
  </section>
  <section id="failure" class="panel bad" role="alert" hidden>
    <h2 id="failure-title">Something went wrong</h2>
    <p id="failure-text"></p>
  </section>
  <ol id="steps">
    <li>Open WhatsApp on your phone.</li>
    <li>Tap <b>Settings → Linked devices → Link a device</b>.</li>
    <li>Point your phone at the code on this screen.</li>
  </ol>
  ${sandboxButton}
  <section id="by-phone" aria-labelledby="by-phone-title">
    <h2 id="by-phone-title">No camera? Link with your phone number</h2>
    <form id="phone-form" novalidate>
      <label for="phone">Phone number of the WhatsApp account</label>
      <p id="phone-hint" class="hint">Available while a code is showing.</p>
      <div class="row">
        <input id="phone" name="phoneNumber" type="tel" inputmode="tel" autocomplete="tel" required maxlength="32" aria-describedby="phone-hint phone-error" disabled>
        <button id="get-code" type="submit" disabled>Get pairing code</button>
      </div>
      <p id="phone-error" role="alert" hidden></p>
    </form>
    <div id="code-box" hidden>
      <p>Your pairing code:</p>
      <output id="pairing-code" for="phone" aria-live="polite"></output>
      <p>On the phone: <b>Linked devices → Link a device → Link with phone number instead</b>, then type this code.</p>
    </div>
  </section>
  <p id="link-expiry"></p>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

export function pairingErrorHtml(message: string, nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Pairing link</title>
<style nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}">body{font-family:system-ui,sans-serif;background:#f0f2f5;color:#111b21;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0;padding:16px;box-sizing:border-box}main{background:#fff;border-radius:12px;padding:28px;max-width:420px;width:100%}h1{font-size:1.25rem;color:#8a1c14}p{line-height:1.5;color:#3b4a54}</style>
</head><body><main><h1>Pairing link not usable</h1><p role="alert">${message}</p></main></body></html>`;
}
