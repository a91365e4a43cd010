import { EVENT_TYPES } from '../../../events/eventTypes.ts';

/**
 * The web console (docs/console.md): one self-contained page (its one script and one stylesheet
 * carry the response's CSP nonce; no external assets, so it works without internet access). Its
 * script builds everything with DOM calls and textContent (never innerHTML), and calls the /v1 API
 * with the httpOnly console cookie plus `X-Console: 1`; it never sees the key after signing in.
 */
export interface ConsolePageOptions {
  nonce: string;
  /** Sandbox mode: say so, and offer to scan with the simulated phone. */
  sandbox: boolean;
}

const STYLE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f0f2f5; color: #111b21; margin: 0; line-height: 1.45; }
  header { background: #005c4b; color: #fff; padding: 12px 20px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 1.2rem; margin: 0; flex: 1; }
  header nav a { color: #fff; margin-right: 12px; font-weight: 600; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px; }
  section { background: #fff; border-radius: 10px; box-shadow: 0 1px 6px rgba(0,0,0,.08); padding: 16px 20px; margin: 0 0 16px; }
  h2 { font-size: 1.1rem; margin: 0 0 12px; }
  h3 { font-size: 1rem; margin: 0 0 6px; overflow-wrap: anywhere; }
  [hidden] { display: none !important; }
  label { font-weight: 600; display: block; margin: 6px 0 2px; }
  input, select, textarea { font: inherit; color: #111b21; background: #fff; border: 2px solid #667781; border-radius: 6px; padding: 6px 10px; min-height: 40px; max-width: 100%; }
  textarea { width: 100%; min-height: 72px; }
  fieldset { border: 1px solid #c4cbd0; border-radius: 8px; margin: 8px 0; }
  fieldset label { display: inline-flex; gap: 4px; align-items: center; font-weight: 400; margin-right: 12px; }
  button { font: inherit; font-weight: 600; min-height: 40px; padding: 6px 14px; border-radius: 20px; border: 2px solid #006d59; background: #006d59; color: #fff; cursor: pointer; margin: 2px 4px 2px 0; }
  button.secondary { background: #fff; color: #006d59; }
  button.danger { background: #fff; color: #8a1c14; border-color: #8a1c14; }
  header button { background: #fff; color: #005c4b; border-color: #fff; }
  button:disabled { background: #c4cbd0; color: #3b4a54; border-color: #c4cbd0; cursor: not-allowed; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  .row { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-end; }
  .banner { background: #fff4ce; color: #5c4400; padding: 8px 20px; font-weight: 600; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
  .card { border: 1px solid #d1d7db; border-radius: 8px; padding: 12px; }
  .status { display: inline-block; padding: 2px 10px; border-radius: 12px; background: #e9edef; color: #111b21; font-weight: 600; }
  .status.connected { background: #e7f6ef; color: #0b4f3c; }
  .status.qr_ready { background: #fff4ce; color: #5c4400; }
  .status.failed, .status.logged_out { background: #fdecea; color: #8a1c14; }
  .qr img { width: 220px; height: 220px; image-rendering: pixelated; display: block; margin: 8px 0; }
  .code { font: 700 1.4rem ui-monospace, Menlo, Consolas, monospace; letter-spacing: .1em; }
  .muted { color: #3b4a54; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; font-size: .92rem; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6e8; vertical-align: top; overflow-wrap: anywhere; }
  th { background: #f7f8fa; white-space: nowrap; overflow-wrap: normal; }
  td button { white-space: nowrap; }
  #no-sessions, #session-cards { margin-top: 12px; }
  .table-wrap { overflow-x: auto; }
  .error { color: #8a1c14; font-weight: 600; }
  .secret { font-family: ui-monospace, Menlo, Consolas, monospace; background: #f7f8fa; padding: 6px; overflow-wrap: anywhere; }
  #sign-in-panel { max-width: 460px; margin: 40px auto; }
  #sign-in-panel input { width: 100%; }
  .metrics { display: flex; gap: 12px; flex-wrap: wrap; }
  .metric { border: 1px solid #d1d7db; border-radius: 8px; padding: 8px 14px; min-width: 130px; }
  .metric strong { display: block; font-size: 1.5rem; }
`;

// No backticks or dollar-brace inside: the script is itself in a template literal.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var root = document.getElementById('console');
  var sandbox = root.getAttribute('data-sandbox') === 'true';
  var $ = function (id) { return document.getElementById(id); };
  var signInPanel = $('sign-in-panel'), app = $('app'), signOut = $('sign-out'), notice = $('notice'), problem = $('problem');
  var timers = [];
  var state = { sessions: {}, webhooks: {}, messagesKey: '' };

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') node.textContent = v;
      else if (k === 'onclick') node.addEventListener('click', v);
      else if (k === 'onsubmit') node.addEventListener('submit', v);
      else node.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function say(message) { notice.textContent = message; }
  function fail(message) { problem.textContent = message; problem.hidden = !message; }

  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'x-console': '1', accept: 'application/json' } };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      if (res.status === 204) return { ok: true, status: 204, body: null };
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401 && path.indexOf('/console/') !== 0) showSignIn('Your sign-in has ended. Sign in again.');
        return { ok: res.ok, status: res.status, body: data };
      });
    });
  }
  function errorText(r) { var e = r.body && r.body.error; return e ? e.message + ' (' + e.code + ')' : 'The bridge answered ' + r.status + '.'; }
  // An action from a button: says what happened, or what went wrong.
  function act(label, method, path, body) {
    fail('');
    return api(method, path, body).then(function (r) {
      if (r.ok) say(label + ': done.'); else fail(label + ' failed: ' + errorText(r));
      return r;
    });
  }
  var enc = encodeURIComponent;

  // --- Sign-in ---
  function stopPolling() { timers.forEach(clearInterval); timers = []; }
  function showSignIn(message) {
    stopPolling();
    app.hidden = true; signOut.hidden = true; signInPanel.hidden = false;
    $('sign-in-error').textContent = message || '';
    $('sign-in-error').hidden = !message;
  }
  function showApp() {
    signInPanel.hidden = true; app.hidden = false; signOut.hidden = false;
    refreshSessions(); refreshWebhooks(); refreshMessages();
    timers.push(setInterval(refreshSessions, 1500), setInterval(refreshWebhooks, 2000), setInterval(refreshMessages, 2000));
  }
  $('sign-in-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var key = $('api-key');
    api('POST', '/console/sign-in', { key: key.value.trim() }).then(function (r) {
      if (!r.ok) { key.setAttribute('aria-invalid', 'true'); showSignIn(errorText(r)); key.focus(); return; }
      key.value = ''; key.removeAttribute('aria-invalid');
      say('Signed in to organization ' + r.body.organizationId + '.');
      showApp();
    });
  });
  signOut.addEventListener('click', function () {
    api('POST', '/console/sign-out').then(function () {
      state = { sessions: {}, webhooks: {}, messagesKey: '' };
      $('session-cards').textContent = ''; $('webhook-cards').textContent = ''; $('message-rows').textContent = '';
      showSignIn(''); say('Signed out.'); $('api-key').focus();
    });
  });

  // --- Sessions ---
  $('create-session-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var name = $('new-session-name').value.trim();
    act('Create session ' + name, 'POST', '/v1/sessions', { name: name }).then(function (r) { if (r.ok) { $('new-session-name').value = ''; refreshSessions(); } });
  });
  function sessionCard(name) {
    var base = '/v1/sessions/' + enc(name);
    var status = h('span', { class: 'status', 'data-role': 'status' });
    var phone = h('p', { class: 'muted', 'data-role': 'phone' });
    var qrImg = h('img', { alt: 'QR code for session ' + name });
    var qrExp = h('p', { class: 'muted' });
    var qr = h('div', { class: 'qr', hidden: true }, [qrImg, qrExp]);
    var phoneId = 'pair-phone-' + name;
    var phoneInput = h('input', { id: phoneId, type: 'tel', autocomplete: 'off', placeholder: '+49 151 2345678' });
    var code = h('p', { class: 'code', 'aria-live': 'polite', 'data-role': 'pairing-code' });
    var pairForm = h('form', { class: 'row', hidden: true, onsubmit: function (event) {
      event.preventDefault();
      act('Pairing code for ' + name, 'POST', base + '/pairing-code', { phoneNumber: phoneInput.value.trim() }).then(function (r) {
        if (r.ok) code.textContent = r.body.code;
      });
    } }, [h('div', {}, [h('label', { for: phoneId, text: 'Phone number to pair ' + name + ' with' }), phoneInput]), h('button', { type: 'submit', class: 'secondary', text: 'Get pairing code' })]);
    var button = function (label, what, cls) {
      return h('button', { type: 'button', class: cls, 'aria-label': label + ' ' + name, text: label, onclick: function () { act(label + ' ' + name, 'POST', base + '/' + what, {}).then(refreshSessions); } });
    };
    var scan = sandbox ? h('button', { type: 'button', class: 'secondary', hidden: true, text: 'Scan with the simulated phone', 'aria-label': 'Scan the QR code of ' + name + ' with the simulated phone',
      onclick: function () { act('Simulated scan of ' + name, 'POST', '/v1/sandbox/sessions/' + enc(name) + '/scan', {}).then(refreshSessions); } }) : null;
    var card = h('article', { class: 'card', 'data-session': name, 'aria-label': 'Session ' + name }, [
      h('h3', { text: name }), h('p', {}, ['Status: ', status]), phone,
      h('div', {}, [button('Start', 'start'), button('Stop', 'stop', 'secondary'), button('Restart', 'restart', 'secondary'), button('Log out', 'logout', 'danger')]),
      qr, scan, pairForm, code,
    ]);
    return { card: card, status: status, phone: phone, qr: qr, qrImg: qrImg, qrExp: qrExp, pairForm: pairForm, scan: scan, code: code, lastQr: '' };
  }
  function updateSession(s) {
    var view = state.sessions[s.name];
    if (!view) { view = state.sessions[s.name] = sessionCard(s.name); $('session-cards').appendChild(view.card); }
    view.status.textContent = s.status.replace(/_/g, ' ');
    view.status.className = 'status ' + s.status;
    view.card.setAttribute('data-status', s.status);
    view.phone.textContent = s.phoneNumber ? 'WhatsApp +' + s.phoneNumber + (s.pushName ? ' (' + s.pushName + ')' : '') : 'Not paired';
    var showing = s.status === 'qr_ready';
    view.pairForm.hidden = !showing;
    if (view.scan) view.scan.hidden = !showing;
    if (!showing) { view.qr.hidden = true; view.lastQr = ''; if (s.status === 'connected') view.code.textContent = ''; return; }
    api('GET', '/v1/sessions/' + enc(s.name) + '/qr').then(function (r) {
      if (!r.ok || !r.body.dataUrl) { view.qr.hidden = true; return; }
      if (r.body.dataUrl !== view.lastQr) { view.lastQr = r.body.dataUrl; view.qrImg.src = r.body.dataUrl; }
      view.qrExp.textContent = r.body.expiresAt ? 'Scan with WhatsApp → Linked devices. Expires ' + new Date(r.body.expiresAt).toLocaleTimeString() + '.' : '';
      view.qr.hidden = false;
    });
  }
  function refreshSessions() {
    return api('GET', '/v1/sessions').then(function (r) {
      if (!r.ok) return;
      var names = {};
      r.body.data.forEach(function (s) { names[s.name] = true; updateSession(s); });
      Object.keys(state.sessions).forEach(function (n) { if (!names[n]) { state.sessions[n].card.remove(); delete state.sessions[n]; } });
      $('no-sessions').hidden = r.body.data.length > 0;
      $('metric-sessions').textContent = String(r.body.data.length);
      $('metric-connected').textContent = String(r.body.data.filter(function (s) { return s.status === 'connected'; }).length);
      syncSessionOptions(Object.keys(names).sort());
    });
  }
  function syncSessionOptions(names) {
    ['filter-session', 'reply-session'].forEach(function (id) {
      var select = $(id), current = select.value, keep = id === 'filter-session' ? 1 : 0;
      var existing = Array.prototype.slice.call(select.options, keep).map(function (o) { return o.value; });
      if (existing.join() === names.join()) return;
      while (select.options.length > keep) select.remove(keep);
      names.forEach(function (n) { select.appendChild(h('option', { value: n, text: n })); });
      if (names.indexOf(current) >= 0 || (keep && current === '')) select.value = current;
    });
  }

  // --- Webhooks ---
  $('create-webhook-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var events = Array.prototype.slice.call(document.querySelectorAll('input[name="webhook-event"]:checked')).map(function (i) { return i.value; });
    var body = { url: $('webhook-url').value.trim(), events: events };
    act('Add webhook', 'POST', '/v1/webhooks', body).then(function (r) {
      if (!r.ok) return;
      $('webhook-url').value = '';
      $('webhook-secret').hidden = false;
      $('webhook-secret-value').textContent = r.body.secret;
      refreshWebhooks();
    });
  });
  function webhookCard(w) {
    var base = '/v1/webhooks/' + enc(w.id);
    var rows = h('tbody');
    var table = h('div', { class: 'table-wrap' }, [h('table', {}, [
      h('caption', { class: 'muted', text: 'Delivery log of ' + w.url }),
      h('thead', {}, [h('tr', {}, ['Created', 'Event', 'Status', 'Attempts', 'Last response', ''].map(function (t) { return h('th', { scope: 'col', text: t }); }))]),
      rows,
    ])]);
    var since = new Date(Date.now() - 3600 * 1000).toISOString();
    var card = h('article', { class: 'card', 'data-webhook': w.id, 'aria-label': 'Webhook ' + w.url }, [
      h('h3', { text: w.url }),
      h('p', { class: 'muted', text: w.events.join(', ') + (w.sessions ? ' — sessions: ' + w.sessions.join(', ') : ' — all sessions') }),
      h('div', {}, [
        h('button', { type: 'button', class: 'secondary', text: 'Send test event', onclick: function () { act('Test event', 'POST', base + '/test', {}).then(function () { refreshDeliveries(view); }); } }),
        h('button', { type: 'button', class: 'secondary', text: 'Recover the last hour', onclick: function () {
          act('Recover', 'POST', base + '/recover', { since: since }).then(function (r) { if (r.ok) say('Recover: ' + r.body.replayed + ' events replayed.'); refreshDeliveries(view); });
        } }),
        h('button', { type: 'button', class: 'danger', text: 'Delete webhook', 'aria-label': 'Delete webhook ' + w.url, onclick: function () {
          if (confirm('Delete the webhook ' + w.url + '?')) act('Delete webhook', 'DELETE', base).then(refreshWebhooks);
        } }),
      ]),
      table,
    ]);
    var view = { card: card, rows: rows, base: base, key: '' };
    return view;
  }
  function refreshDeliveries(view) {
    return api('GET', view.base + '/deliveries?limit=20').then(function (r) {
      if (!r.ok) return;
      var key = JSON.stringify(r.body.data.map(function (d) { return [d.id, d.status, d.attemptCount]; }));
      if (key === view.key) return;
      view.key = key;
      view.rows.textContent = '';
      if (!r.body.data.length) view.rows.appendChild(h('tr', {}, [h('td', { colspan: '6', text: 'No deliveries yet.' })]));
      r.body.data.forEach(function (d) {
        var last = d.attempts[d.attempts.length - 1];
        var answer = last ? (last.statusCode !== null ? 'HTTP ' + last.statusCode : (last.error || 'no response')) : '—';
        view.rows.appendChild(h('tr', { 'data-delivery': d.id, 'data-status': d.status }, [
          h('td', { text: new Date(d.createdAt).toLocaleString() }), h('td', { text: d.eventType + (d.session ? ' (' + d.session + ')' : '') }),
          h('td', { text: d.status }), h('td', { text: String(d.attemptCount) }), h('td', { text: answer }),
          h('td', {}, [d.status === 'pending' ? null : h('button', { type: 'button', class: 'secondary', text: 'Retry', 'aria-label': 'Retry delivery ' + d.id,
            onclick: function () { act('Retry', 'POST', view.base + '/deliveries/' + enc(d.id) + '/retry', {}).then(function () { refreshDeliveries(view); }); } })]),
        ]));
      });
    });
  }
  function refreshWebhooks() {
    return api('GET', '/v1/webhooks').then(function (r) {
      if (!r.ok) return;
      var ids = {};
      r.body.data.forEach(function (w) {
        ids[w.id] = true;
        var view = state.webhooks[w.id];
        if (!view) { view = state.webhooks[w.id] = webhookCard(w); $('webhook-cards').appendChild(view.card); }
        refreshDeliveries(view);
      });
      Object.keys(state.webhooks).forEach(function (id) { if (!ids[id]) { state.webhooks[id].card.remove(); delete state.webhooks[id]; } });
      $('no-webhooks').hidden = r.body.data.length > 0;
      $('metric-webhooks').textContent = String(r.body.data.length);
    });
  }

  // --- Messages ---
  $('message-filters').addEventListener('submit', function (event) { event.preventDefault(); state.messagesKey = ''; refreshMessages(); });
  function messageQuery() {
    var q = ['limit=50'];
    var session = $('filter-session').value, chat = $('filter-chat').value.trim(), direction = $('filter-direction').value;
    if (session) q.push('session=' + enc(session));
    if (chat) q.push('chat=' + enc(chat));
    if (direction) q.push('direction=' + enc(direction));
    return '/v1/messages?' + q.join('&');
  }
  function refreshMessages() {
    return api('GET', messageQuery()).then(function (r) {
      if (!r.ok) { if (r.status === 400) fail('Message filters: ' + errorText(r)); return; }
      var key = JSON.stringify(r.body.data.map(function (m) { return [m.id, m.status, m.text]; }));
      if (key === state.messagesKey) return;
      state.messagesKey = key;
      var rows = $('message-rows');
      rows.textContent = '';
      $('no-messages').hidden = r.body.data.length > 0;
      r.body.data.forEach(function (m) {
        rows.appendChild(h('tr', { 'data-message': m.id, 'data-direction': m.direction }, [
          h('td', { text: new Date(m.timestamp || m.createdAt).toLocaleString() }), h('td', { text: m.session }),
          h('td', { text: m.direction === 'in' ? 'in' : 'out' }), h('td', { text: m.chatName ? m.chatName + ' (' + m.chat + ')' : m.chat }),
          h('td', { text: m.type }), h('td', { text: m.text === null ? '' : m.text }), h('td', { text: m.status }),
          h('td', {}, [h('button', { type: 'button', class: 'secondary', text: 'Reply', 'aria-label': 'Reply to ' + m.chat, onclick: function () {
            $('reply-session').value = m.session; $('reply-to').value = m.chat; $('reply-text').focus();
          } })]),
        ]));
      });
    });
  }
  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var session = $('reply-session').value, to = $('reply-to').value.trim(), text = $('reply-text').value;
    if (!session) { fail('Choose the session to send from.'); return; }
    act('Send to ' + to, 'POST', '/v1/sessions/' + enc(session) + '/messages', { to: to, text: text }).then(function (r) {
      if (r.ok) { $('reply-text').value = ''; state.messagesKey = ''; refreshMessages(); }
    });
  });

  // Signed in already (the cookie is there)? The cookie itself is invisible to this script.
  api('GET', '/v1/sessions').then(function (r) { if (r.ok) showApp(); else showSignIn(''); });
})();
`;

const EVENT_CHOICES = EVENT_TYPES.map(
  (type) => `<label><input type="checkbox" name="webhook-event" value="${type}"${type.startsWith('message.') && type !== 'message.undecryptable' ? ' checked' : ''}> ${type}</label>`,
).join('\n          ');

export function consolePageHtml({ nonce, sandbox }: ConsolePageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp Bridge console</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<div id="console" data-sandbox="${sandbox ? 'true' : 'false'}">
<header>
  <h1>WhatsApp Bridge console</h1>
  <nav aria-label="Console sections"><a href="#sessions">Sessions</a><a href="#webhooks">Webhooks</a><a href="#messages">Messages</a></nav>
  <button type="button" id="sign-out" hidden>Sign out</button>
</header>
${sandbox ? '<p class="banner" role="note">Sandbox mode: sessions connect to the built-in WhatsApp simulator, not to WhatsApp.</p>' : ''}
<main>
  <p id="notice" role="status" aria-live="polite" class="muted"></p>
  <p id="problem" role="alert" class="error" hidden></p>
  <section id="sign-in-panel" aria-labelledby="sign-in-title" hidden>
    <h2 id="sign-in-title">Sign in</h2>
    <form id="sign-in-form">
      <label for="api-key">Organization API key</label>
      <input id="api-key" name="key" type="password" autocomplete="off" required placeholder="wab_…" aria-describedby="api-key-hint">
      <p id="api-key-hint" class="muted">After sign-in this browser keeps the key only encrypted, in an httpOnly cookie page scripts cannot read, for 12 hours.</p>
      <p id="sign-in-error" class="error" role="alert" hidden></p>
      <button type="submit">Sign in</button>
    </form>
  </section>
  <div id="app" hidden>
    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">At a glance</h2>
      <div class="metrics">
        <p class="metric"><strong id="metric-sessions">0</strong>sessions</p>
        <p class="metric"><strong id="metric-connected">0</strong>connected</p>
        <p class="metric"><strong id="metric-webhooks">0</strong>webhooks</p>
      </div>
    </section>
    <section id="sessions" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <form id="create-session-form" class="row">
        <div><label for="new-session-name">New session name</label>
        <input id="new-session-name" required pattern="[a-z0-9][a-z0-9_\\-]{0,63}" title="Lower-case letters, digits, - and _" placeholder="sales"></div>
        <button type="submit">Create session</button>
      </form>
      <p id="no-sessions" class="muted">No sessions yet.</p>
      <div id="session-cards" class="cards"></div>
    </section>
    <section id="webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <form id="create-webhook-form">
        <label for="webhook-url">Webhook URL</label>
        <input id="webhook-url" type="url" required placeholder="https://n8n.example.com/webhook/…" size="50">
        <fieldset><legend>Events</legend>
          ${EVENT_CHOICES}
        </fieldset>
        <button type="submit">Add webhook</button>
      </form>
      <div id="webhook-secret" hidden><p>Signing secret of the new webhook (shown once):</p><p class="secret" id="webhook-secret-value"></p></div>
      <p id="no-webhooks" class="muted">No webhooks yet.</p>
      <div id="webhook-cards"></div>
    </section>
    <section id="messages" aria-labelledby="messages-title">
      <h2 id="messages-title">Messages</h2>
      <form id="message-filters" class="row" aria-label="Message filters">
        <div><label for="filter-session">Session</label><select id="filter-session"><option value="">All sessions</option></select></div>
        <div><label for="filter-chat">Chat (JID)</label><input id="filter-chat" placeholder="15551234567@s.whatsapp.net"></div>
        <div><label for="filter-direction">Direction</label><select id="filter-direction"><option value="">Both</option><option value="in">Received</option><option value="out">Sent</option></select></div>
        <button type="submit" class="secondary">Apply filters</button>
      </form>
      <div class="table-wrap"><table>
        <caption class="muted">The newest 50 messages matching the filters, refreshed every 2 seconds.</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Session</th><th scope="col">Direction</th><th scope="col">Chat</th><th scope="col">Type</th><th scope="col">Text</th><th scope="col">Status</th><th scope="col"></th></tr></thead>
        <tbody id="message-rows"></tbody>
      </table></div>
      <p id="no-messages" class="muted">No messages match.</p>
      <form id="reply-form" aria-labelledby="reply-title">
        <h3 id="reply-title">Send a message</h3>
        <div class="row">
          <div><label for="reply-session">From session</label><select id="reply-session"></select></div>
          <div><label for="reply-to">To (phone number or JID)</label><input id="reply-to" required></div>
        </div>
        <label for="reply-text">Message</label>
        <textarea id="reply-text" required maxlength="65536"></textarea>
        <button type="submit">Send</button>
      </form>
    </section>
  </div>
</main>
</div>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}
