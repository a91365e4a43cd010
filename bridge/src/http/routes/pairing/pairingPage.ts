/**
 * The pairing page: self-contained (no external assets), it listens to the token's event stream
 * and shows the live QR, then the connected state. EventSource reconnects by itself, to any
 * instance, so the page survives a restart or a failover.
 */
export function pairingPageHtml(sessionName: string, options: { sandbox?: boolean } = {}): string {
  const name = sessionName.replace(/[^a-z0-9_-]/g, '');
  // Sandbox mode: say so loudly, and let the simulated phone do the scanning.
  const sandboxBanner = options.sandbox
    ? `<p id="sandbox" style="background:#fff4ce;color:#5c4400;border-radius:8px;padding:8px 12px;font-weight:600">SANDBOX — this bridge talks to a simulated WhatsApp, not the real one.</p>`
    : '';
  const sandboxButton = options.sandbox
    ? `<p><button id="simulate-scan" type="button" style="font:inherit;padding:8px 16px;border-radius:20px;border:0;background:#008069;color:#fff;cursor:pointer">Scan with the simulated phone</button></p><p id="simulate-result"></p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Link WhatsApp: ${name}</title>
<style>
  body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background: #f0f2f5; color: #111b21; margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }
  main { background: #fff; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); padding: 32px; max-width: 420px; width: 100%; text-align: center; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  p { color: #54656f; line-height: 1.5; }
  #qr { width: 280px; height: 280px; margin: 16px auto; display: flex; align-items: center; justify-content: center; background: #f7f8fa; border-radius: 8px; }
  #qr img { width: 280px; height: 280px; image-rendering: pixelated; }
  #status { font-weight: 600; }
  .ok { color: #008069; font-size: 18px; }
  .bad { color: #b3261e; }
  ol { text-align: left; color: #54656f; }
</style>
</head>
<body>
<main>
  ${sandboxBanner}
  <h1>Link WhatsApp to session “${name}”</h1>
  <div id="qr"><span>Waiting for a QR code…</span></div>
  <p>Status: <span id="status">loading</span></p>
  <ol id="steps">
    <li>Open WhatsApp on your phone.</li>
    <li>Tap <b>Settings → Linked devices → Link a device</b>.</li>
    <li>Point your phone at this screen.</li>
  </ol>
  ${sandboxButton}
</main>
<script>
(function () {
  var qr = document.getElementById('qr');
  var statusEl = document.getElementById('status');
  var steps = document.getElementById('steps');
  var source = new EventSource(location.pathname.replace(/\\/$/, '') + '/events');
  function text(el, value) { el.textContent = value; }
  var simulate = document.getElementById('simulate-scan');
  if (simulate) simulate.addEventListener('click', function () {
    var result = document.getElementById('simulate-result');
    simulate.disabled = true;
    fetch(location.pathname.replace(/\\/$/, '') + '/sandbox/scan', { method: 'POST' })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) { text(result, r.ok ? 'Scanned by +' + r.body.device.phoneNumber + '. Linking…' : r.body.error.message); })
      .catch(function () { text(result, 'The simulated phone could not be reached.'); })
      .then(function () { simulate.disabled = false; });
  });
  source.addEventListener('qr', function (e) {
    var data = JSON.parse(e.data);
    var img = document.createElement('img');
    img.alt = 'WhatsApp QR code';
    img.src = data.dataUrl;
    qr.replaceChildren(img);
  });
  source.addEventListener('status', function (e) {
    var data = JSON.parse(e.data);
    text(statusEl, data.status.replace('_', ' '));
    statusEl.className = '';
    if (data.status === 'connected') {
      var done = document.createElement('div');
      done.className = 'ok';
      done.textContent = 'Connected' + (data.phoneNumber ? ' as +' + data.phoneNumber : '') + '. You can close this page.';
      qr.replaceChildren(done);
      steps.hidden = true;
      statusEl.className = 'ok';
    } else if (data.status === 'logged_out' || data.status === 'failed' || data.status === 'stopped') {
      var stopped = document.createElement('span');
      stopped.className = 'bad';
      stopped.textContent = 'The session is ' + data.status.replace('_', ' ') + '. Ask for it to be started again.';
      qr.replaceChildren(stopped);
      statusEl.className = 'bad';
    } else if (data.status !== 'qr_ready') {
      var waiting = document.createElement('span');
      waiting.textContent = 'Waiting for a QR code…';
      qr.replaceChildren(waiting);
    }
  });
})();
</script>
</body>
</html>`;
}

export function pairingErrorHtml(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Pairing link</title>
<style>body{font-family:system-ui,sans-serif;background:#f0f2f5;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}main{background:#fff;border-radius:12px;padding:32px;max-width:420px}</style>
</head><body><main><h1>Pairing link not usable</h1><p>${message}</p></main></body></html>`;
}
