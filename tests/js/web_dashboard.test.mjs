// The campaign console (web/) end to end: Debian's Chromium through
// playwright-core against the REAL worker started as `npm start` starts it
// (scripts/start.mjs as a child process, its own state folder, free ports),
// with a recording sink on 127.0.0.1 as the webhook destination. It walks
// the marketer's flow: create a campaign, compose with the {…} modal, build
// a cohort, review, preview for a stored user, test-send, start an API
// campaign and send to three users, watch the stats and the delivery log,
// pause, edit, resume, end. Every step leaves a full-page screenshot in
// test-artifacts/console/ (git-ignored). Every page fails the test on any
// console error. No request leaves 127.0.0.1.
//
// The cost of a keystroke is measured by bench/keystroke_bench.mjs, not here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(root, 'test-artifacts/console');

let worker; // { child, origin, consoleUrl, key, output }
let sink; // { url, seen, close }
let stateDir;
let profileDir;
let context;
let page;
let pageErrors = [];
let refusals = []; // non-2xx answers the page got: "METHOD path status"
let shot = 0;

/** Starts scripts/start.mjs as `npm start` does and waits for its console URL. */
async function startWorker() {
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      HOOKCAST_STATE_DIR: stateDir,
      HOOKCAST_PORT: '0',
      HOOKCAST_SINK_PORT: '0',
      HOOKCAST_API_KEY: '',
      HOOKCAST_ALLOW_LOCAL_HTTP: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (c) => {
    output += c;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start printed no console URL in 60 s:\n${output}`)),
      60000,
    );
    child.stdout.on('data', (c) => {
      output += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/web\/#key=(\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  return {
    child,
    origin: url[1],
    consoleUrl: url[0],
    key: decodeURIComponent(url[2]),
    output: () => output,
  };
}

/** A webhook destination that records every request; /fail/ answers 500, /reject/ 422, /limited/ 429 with Retry-After: 120. */
async function startSink() {
  const seen = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const fail = req.url.startsWith('/fail/');
      if (req.url.startsWith('/reject/')) {
        // a refusal no retry fixes: fails at once
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end('{"error": "unknown hook"}');
        return;
      }
      if (req.url.startsWith('/limited/')) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '120' });
        res.end('{"error": "slow down"}');
        return;
      }
      res.writeHead(fail ? 500 : 200, {
        'content-type': 'application/json',
        'x-sink': 'hookcast-test',
      });
      res.end(JSON.stringify(fail ? { error: 'down for the test' } : { received: true }));
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    seen,
    close: () =>
      new Promise((ok) => {
        srv.closeAllConnections();
        srv.close(ok);
      }),
  };
}

/** The API as a server would call it (the test's own requests). */
async function call(method, path, body, headers = {}) {
  const res = await fetch(`${worker.origin}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${worker.key}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  return { status: res.status, data };
}

async function snap(name) {
  shot += 1;
  await page.screenshot({
    path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

before(async () => {
  for (const f of [
    'dist/hookcast.mjs',
    'dist/hookcast.wasm',
    'node_modules/preact/dist/preact.mjs',
  ]) {
    assert.ok(
      existsSync(join(root, f)),
      `${f} is missing: npm ci and bash scripts/build.sh wasm first`,
    );
  }
  rmSync(shots, { recursive: true, force: true }); // this run's screenshots only
  mkdirSync(shots, { recursive: true });
  stateDir = mkdtempSync(join(tmpdir(), 'hookcast-console-state-'));
  profileDir = mkdtempSync(join(tmpdir(), 'hookcast-console-profile-'));
  sink = await startSink();
  worker = await startWorker();
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  // No request from the page may leave loopback.
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return route.continue();
    pageErrors.push(`request off loopback: ${route.request().url()}`);
    return route.abort();
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: worker.origin });
  // Every Content-Security-Policy violation the pages report, kept for the
  // last test (Chromium also logs each one as a console error).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(
        `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  page = await context.newPage();
  // Chromium logs every 4xx/5xx answer as a console error; those are
  // checked through `refusals` instead, against what each step expects.
  page.on('console', (msg) => {
    if (
      msg.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of/.test(msg.text())
    )
      pageErrors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400)
      refusals.push(`${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`);
  });
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));

  // The workspace's users and events: what cohorts and personalization read.
  const users = [
    { id: 'u1', properties: { first_name: 'Ada', plan: 'pro', age: 36 } },
    { id: 'u2', properties: { first_name: 'Grace', plan: 'pro', age: 45 } },
    { id: 'u3', properties: { plan: 'pro', age: 29 } },
    { id: 'u4', properties: { first_name: 'Linus', plan: 'free', age: 54 } },
  ];
  assert.equal((await call('POST', '/v1/users', { users })).status, 200);
  const events = await call('POST', '/v1/events', {
    events: [{ userId: 'u1', key: 'purchase', properties: { amount: 19.99, sku: 'sku-42' } }],
  });
  assert.equal(events.status, 200, JSON.stringify(events.data));
});

after(async () => {
  await context?.close();
  worker?.child.kill('SIGTERM');
  if (worker)
    await new Promise((r) => (worker.child.exitCode !== null ? r() : worker.child.once('exit', r)));
  await sink?.close();
  for (const d of [stateDir, profileDir]) if (d) rmSync(d, { recursive: true, force: true });
});

/**
 * Fails the current step when the page logged an error, or got a refusal
 * from the worker other than those the step provokes on purpose.
 */
function assertNoPageErrors(expected = []) {
  const errors = pageErrors;
  const got = refusals.filter((r) => !expected.some((re) => re.test(r)));
  pageErrors = [];
  refusals = [];
  assert.deepEqual(errors, [], 'the page logged errors');
  assert.deepEqual(got, [], 'the worker refused requests the page made');
}

const statusText = () => page.locator('#campaign-status').textContent();
let campaignKey;

test('npm start prints one URL that opens the console signed in, and the key leaves the address bar', async () => {
  assert.match(worker.output(), /Open the console/);
  const res = await fetch(`${worker.origin}/web/`);
  assert.equal(res.status, 200, 'the console needs no Authorization');
  assert.match(res.headers.get('content-type'), /text\/html/);
  const wasm = await fetch(`${worker.origin}/dist/hookcast.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(
    (await fetch(`${worker.origin}/v1/campaigns`)).status,
    401,
    '/v1/ still needs the key',
  );

  await page.goto(worker.consoleUrl);
  await page.waitForSelector('body[data-engine="ready"]', { timeout: 20000 });
  await page.locator('h1', { hasText: 'Webhook campaigns' }).waitFor();
  assert.doesNotMatch(page.url(), /key=/);
  // Signed in by an HttpOnly, SameSite=Strict cookie: the key is in no storage a script reads.
  assert.equal(
    await page.evaluate(() => sessionStorage.length + localStorage.length),
    0,
    'nothing about the key in web storage',
  );
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
  const [cookie] = (await context.cookies(worker.origin)).filter(
    (c) => c.name === 'hookcast_session',
  );
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.value.includes(worker.key), false, 'the cookie does not carry the key');
  await snap('campaign-list-empty');
  assertNoPageErrors();
});

test('every answer carries the security headers: the console under its CSP, the API under a closed one', async () => {
  const security = (res) =>
    ['x-frame-options', 'x-content-type-options', 'referrer-policy'].map((h) => res.headers.get(h));
  const consoleRes = await fetch(`${worker.origin}/web/`);
  const csp = consoleRes.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(
    csp,
    /'unsafe-inline'|'unsafe-eval'|\*/,
    'no inline script, no eval, no wildcard',
  );
  for (const path of [
    '/web/',
    '/web/app.js',
    '/dist/hookcast.wasm',
    '/',
    '/v1/campaigns',
    '/web/no-such-file',
  ]) {
    const res = await fetch(`${worker.origin}${path}`);
    assert.deepEqual(security(res), ['DENY', 'nosniff', 'no-referrer'], path);
    assert.ok(res.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"), path);
  }
  const api = await fetch(`${worker.origin}/v1/campaigns`, {
    headers: { Authorization: `Bearer ${worker.key}` },
  });
  assert.equal(api.headers.get('content-security-policy').split(';')[0], "default-src 'none'");
  // The page itself ran under that policy: it loaded, its engine compiled its wasm, nothing was refused.
  assert.equal(await page.evaluate(() => document.body.dataset.engine), 'ready');
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
});

test('create a campaign: Step 1 shows its key, and the status machine decides the actions', async () => {
  await page.click('#create-campaign');
  // A refused Create hands the focus back to the field it names.
  await page.click('button[type="submit"]:has-text("Create")');
  await page.locator('.create-form li.problem[data-field="title"]').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'new-title');
  await page.fill('#new-title', 'Welcome webhook');
  assert.equal(
    await page.locator('.create-form li.problem').count(),
    0,
    'the problem goes as the title is typed',
  );
  await page.fill('#new-description', 'Tells the CRM about new pro users');
  await page.click('button[type="submit"]:has-text("Create")');
  await page.locator('#campaign-key').waitFor();
  campaignKey = (await page.textContent('#campaign-key')).trim();
  assert.ok(campaignKey.length > 0);
  assert.equal(await statusText(), 'Ready');
  // Ready: start and end are allowed; pause and resume are not, with why.
  assert.equal(await page.isDisabled('#action-pause'), true);
  assert.match(await page.textContent('#why-pause'), /\S/);
  assert.equal(await page.isDisabled('#action-end'), false);
  // Start is allowed by the status machine, and the engine's launch check says what it still needs.
  await page.locator('#launch-needs').waitFor();
  const needs = await page
    .locator('#launch-needs li')
    .evaluateAll((lis) => lis.map((li) => li.dataset.field));
  for (const field of ['webhook', 'target', 'send'])
    assert.ok(
      needs.some((f) => f.startsWith(field)),
      `launch needs ${field}: ${needs}`,
    );
  await page.click('button:has-text("Copy key")');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), campaignKey);
  await snap('step1-settings');
  assertNoPageErrors([/^POST \/v1\/campaigns 400$/]);
});

test('Step 2: compose with the {…} modal; every keystroke is checked and previewed by the engine', async () => {
  await page.click('nav.steps a:has-text("2 Webhook")');
  await page.locator('#f-url').waitFor();
  // http:// is refused... unless this worker allows loopback (npm start does), which the page asks it.
  await page.fill('#f-url', 'ftp://nowhere');
  await page.locator('#f-url-problems li').first().waitFor();
  // The sentence first; the code as a detail, its meaning from the engine's registry on hover.
  const code = page.locator('#f-url-problems li code').first();
  assert.notEqual(await code.getAttribute('title'), 'code');
  assert.ok((await code.getAttribute('title')).length > 10);
  await page.fill('#f-url', `${sink.url}/hook/`);
  await page.locator('#f-url-problems li.error').waitFor({ state: 'detached' });
  // {…} beside the URL: pick the user's id; it goes in at the cursor.
  await page.click('#f-url');
  await page.keyboard.press('End');
  await page.click('[data-var-for="url"]');
  await page.locator('#property-table').waitFor();
  await page.click('[data-property="id"]');
  await page.click('#pv-insert');
  assert.equal(await page.inputValue('#f-url'), `${sink.url}/hook/{{ user.id }}`);
  await snap('step2-modal-inserted');

  // The body: typed mid-word keeps the last good preview, marked stale.
  await page.fill('#f-body', '{"hello": ""}');
  await page.waitForFunction(() =>
    /hello/.test(document.querySelector('#curl')?.textContent ?? ''),
  );
  await page.click('#f-body');
  await page.keyboard.press('End');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('{{ user.fir');
  await page.locator('#stale-note').waitFor();
  assert.match(await page.getAttribute('#curl', 'class'), /stale/);
  await page.keyboard.type('st_name }}');
  await page.locator('#stale-note').waitFor({ state: 'detached' });
  // Now the personalization modal with a fallback, for a user property seen in the workspace.
  await page.keyboard.press('End');
  await page.fill('#f-body', '{"hello": "", "plan": "x"}');
  await page.click('#f-body');
  await page.evaluate(() => {
    const el = document.querySelector('#f-body');
    el.setSelectionRange(11, 11);
  });
  await page.click('[data-var-for="body"]');
  await page.locator('[data-property="first_name"]').waitFor();
  const row = page.locator('#property-table tr', {
    has: page.locator('[data-property="first_name"]'),
  });
  assert.match(await row.textContent(), /string/);
  await page.click('[data-property="first_name"]');
  await page.fill('#pv-fallback', 'there');
  await page.click('#pv-insert');
  assert.equal(
    await page.inputValue('#f-body'),
    '{"hello": "{{ user.first_name | default: "there" }}", "plan": "x"}',
  );
  // A header through the keyboard.
  await page.click('#add-headers');
  // The new row takes the focus, and shows no problem before it is typed into.
  await page.waitForFunction(() => document.activeElement?.id === 'f-headers-0--key');
  assert.equal(
    await page.locator('li.problem[data-field^="headers[0]"]').count(),
    0,
    'an untouched row is quiet',
  );
  await page.keyboard.type('X-Campaign');
  assert.equal(await page.inputValue('#f-headers-0--key'), 'X-Campaign');
  // A typo in a property name is hinted from the names GET /v1/properties knows.
  await page.fill('#f-headers-0--value', 'welcome {{ user.frist_name }}');
  const hint = page.locator(
    'li.problem[data-field="headers[0].value"][data-code="unknown_property"]',
  );
  await hint.waitFor();
  assert.match(await hint.textContent(), /did you mean “first_name”/);
  await page.fill('#f-headers-0--value', 'welcome');
  assert.equal(await hint.count(), 0, 'the hint goes with its cause');
  await page.waitForFunction(() =>
    /X-Campaign: welcome/.test(document.querySelector('#curl').textContent),
  );
  assert.equal(await page.locator('.composer .summary').getAttribute('data-state'), 'ok');
  // Leaving the step keeps what was typed.
  await page.click('nav.steps a:has-text("Target")');
  await page.click('nav.steps a:has-text("2 Webhook")');
  assert.equal(await page.inputValue('#f-headers-0--value'), 'welcome');
  assert.match(await page.textContent('#save-status'), /Unsaved changes/);
  await page.click('#save-webhook');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#save-status').textContent),
  );
  await snap('step2-webhook');
  const stored = await call('GET', `/v1/campaigns/${campaignKey}`);
  assert.equal(stored.data.campaign.webhook.url, `${sink.url}/hook/{{ user.id }}`);
  assertNoPageErrors();
});

test('Target: build a cohort in the builder, see its size, and target it', async () => {
  await page.click('nav.steps a:has-text("Target")');
  await page.click('#build-cohort');
  await page.fill('#cohort-name', 'Pro users');
  await page.click('button:has-text("+ Property condition")');
  const cond = page.locator('.cond').first();
  await cond.locator('input[aria-label="property"]').fill('plan');
  await cond.locator('select[aria-label="operator"]').selectOption('eq');
  await cond.locator('input[aria-label="value"]').fill('pro');
  await page.click('#save-cohort');
  await page.waitForFunction(
    () => document.querySelector('#cohort-estimate [data-users]')?.dataset.users === '3',
  );
  await page.waitForFunction(() => document.querySelector('#target-cohort').value !== '');
  await page.waitForFunction(() =>
    /3 users/.test(document.querySelector('#target-estimate').textContent),
  );
  await snap('target-cohort');
  // Save moves on to the next step, as the product page says.
  await page.click('#save-target');
  await page.waitForFunction(() => /\/review$/.test(location.hash));
  assert.match(await page.textContent('#notice'), /Target saved/);
  const stored = await call('GET', `/v1/campaigns/${campaignKey}`);
  assert.ok(stored.data.campaign.target.cohort);
  assertNoPageErrors();
});

test('Step 3: review the request for a stored user, as cURL and as a table', async () => {
  await page.click('nav.steps a:has-text("3 Review")');
  await page.fill('#review-user', 'u1');
  await page.click('#review-find');
  await page.locator('#review-curl').waitFor();
  const curl = await page.textContent('#review-curl');
  assert.match(curl, /\/hook\/u1/);
  assert.match(curl, /Ada/);
  await page.click('.request-view button:has-text("Copy cURL")');
  assert.equal(
    await page.evaluate(() => navigator.clipboard.readText()),
    curl,
    'Copy puts the exact command on the clipboard',
  );
  await page.click('#view-table');
  assert.match(await page.textContent('#review-table'), /X-Campaign/);
  await snap('step3-review');
  // A user without a first name gets the fallback.
  await page.click('#view-curl');
  await page.fill('#review-user', 'u3');
  await page.click('#review-find');
  await page.waitForFunction(() =>
    /there/.test(document.querySelector('#review-curl')?.textContent ?? ''),
  );
  // Found by a property value, not only an exact id: "grace" is u2's first name.
  await page.fill('#review-user', 'grace');
  await page.click('#review-find');
  await page.waitForFunction(() =>
    /\/hook\/u2/.test(document.querySelector('#review-curl')?.textContent ?? ''),
  );
  assert.match(await page.textContent('#review-curl'), /Grace/);
  // Several matches: the person chooses ("pro" is the plan of u1, u2, u3).
  await page.fill('#review-user', 'pro');
  await page.click('#review-find');
  await page.locator('#review-found [data-user-id="u3"]').click();
  await page.waitForFunction(() =>
    /\/hook\/u3/.test(document.querySelector('#review-curl')?.textContent ?? ''),
  );
  assertNoPageErrors();
});

test('Step 4: User Message Preview from typed values, Send Test Message, audience check', async () => {
  await page.click('nav.steps a:has-text("4 Test")');
  await page.click('#test-mode-form');
  await page.fill('#test-form-id', 'typed-user');
  await page.fill('#test-user-first_name', 'Zoë');
  await page.waitForFunction(() =>
    /Zo/.test(document.querySelector('#review-curl')?.textContent ?? ''),
  );
  await page.click('#send-test');
  await page.locator('#test-result').waitFor();
  assert.equal(await page.getAttribute('#test-result', 'data-ok'), 'true');
  assert.equal(await page.getAttribute('#test-response-status', 'data-status'), '200');
  assert.match(await page.textContent('#test-response-body'), /received/);
  assert.match(await page.textContent('#test-result'), /delivered/);
  const got = sink.seen.find((r) => r.url === '/hook/typed-user');
  assert.ok(got, 'the sink got the test message');
  assert.equal(JSON.parse(got.body).hello, 'Zoë');
  await snap('step4-test-send');
  await page.keyboard.press('Escape');
  await page.click('#audience-check');
  await page.locator('#audience-result').waitFor();
  assert.match(await page.textContent('#audience-result'), /3 users\b.*would be sent/);
  await snap('step4-audience');
  assertNoPageErrors();
});

test('a typed-values preview is never stale: typed fast, it shows and a test sends exactly what was typed', async () => {
  await page.click('nav.steps a:has-text("4 Test")');
  await page.click('#test-mode-form');
  const name = 'Hildegard-von-Bingen-the-quick-typist';
  const id = 'fast-typist-42';
  await page.fill('#test-form-id', '');
  await page.fill('#test-user-first_name', '');
  await page.click('#test-form-id');
  await page.keyboard.type(id); // no delay between keys
  await page.click('#test-user-first_name');
  await page.keyboard.type(name);
  // Read at once, no waiting: the preview is the engine's answer for what the boxes hold now.
  const shown = await page.textContent('#review-curl');
  assert.match(shown, new RegExp(`/hook/${id}`));
  assert.match(shown, new RegExp(name));
  await page.click('#view-table');
  const body = await page.textContent('#review-table tbody[data-section="body"] pre');
  const url = await page.textContent('#review-table tbody[data-section="request"]');
  await page.click('#view-curl');
  await page.click('#send-test');
  await page.locator('#test-result').waitFor();
  const got = sink.seen.filter((r) => r.url === `/hook/${id}`);
  assert.equal(got.length, 1, 'one test message, for the id as typed in full');
  assert.equal(got[0].body, body, 'the test sent exactly the previewed body');
  assert.ok(url.includes(`/hook/${id}`));
  await page.keyboard.press('Escape');
  // Review shows the same person: the choice is remembered across steps.
  await page.click('nav.steps a:has-text("3 Review")');
  assert.equal(await page.isChecked('#review-mode-form'), true);
  assert.equal(await page.inputValue('#review-user-first_name'), name);
  assert.match(await page.textContent('#review-curl'), new RegExp(name));
  assertNoPageErrors();
});

test("an event campaign previews the trigger event's values: prefilled from events seen, typed over, sent as shown", async () => {
  const created = await call('POST', '/v1/campaigns', {
    title: 'On purchase',
    target: { allUsers: true },
    send: { type: 'event', event: 'purchase' },
    webhook: {
      url: `${sink.url}/event/{{ user.id }}`,
      method: 'POST',
      body: '{"amount": "{{ event.amount | default: "none" }}", "sku": "{{ event.sku | default: "none" }}"}',
    },
  });
  const key = created.data.campaign.key;
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/test`);
  await page.fill('#test-user', 'u4');
  await page.click('#test-find');
  // The example of the purchase seen (amount 19.99, sku-42), not the fallback.
  await page.waitForFunction(() =>
    /19\.99/.test(document.querySelector('#review-curl')?.textContent ?? ''),
  );
  assert.match(await page.textContent('#review-curl'), /sku-42/);
  await page.fill('#test-event-amount', '42.5');
  assert.match(await page.textContent('#review-curl'), /"amount": "42\.5"/);
  await page.click('#send-test');
  await page.locator('#test-result').waitFor();
  const got = sink.seen.filter((r) => r.url === '/event/u4');
  assert.equal(got.length, 1);
  assert.deepEqual(JSON.parse(got[0].body), { amount: '42.5', sku: 'sku-42' });
  await page.keyboard.press('Escape');
  // The audience check does not call event.amount a fallback: real sends carry the event.
  await page.click('#audience-check');
  await page.locator('#audience-result').waitFor();
  assert.doesNotMatch(await page.textContent('#audience-result'), /event\./);
  await page.goto(`${worker.consoleUrl}&/campaigns/${campaignKey}/review`); // back to the walk's campaign
  await page.locator('#review-title').waitFor();
  assertNoPageErrors();
});

test('Step 5: an API campaign starts; three users are sent to; stats and the delivery log follow', async () => {
  await page.click('nav.steps a:has-text("5 Start")');
  await page.click('#type-api');
  await page.locator('#api-curl').waitFor();
  assert.match(
    await page.textContent('#api-curl'),
    new RegExp(`/v1/campaigns/${campaignKey}/send`),
  );
  assert.doesNotMatch(
    await page.textContent('#api-curl'),
    new RegExp(worker.key),
    'the key is not shown',
  );
  // The example sends to a real user of the target (the pro cohort), so running it sends.
  await page.waitForFunction(() =>
    /"userId": "u[123]"/.test(document.querySelector('#api-curl').textContent),
  );
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  await page.locator('#launch-ready').waitFor();
  await snap('step5-start');
  await page.click('#action-start');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Running',
  );

  const sent = await call('POST', `/v1/campaigns/${campaignKey}/send`, {
    recipients: [{ userId: 'u1' }, { userId: 'u2' }, { userId: 'u3' }, { userId: 'u4' }],
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.data));
  assert.equal(sent.data.accepted, 3);
  assert.equal(sent.data.suppressed.not_in_cohort, 1);

  await page.click('nav.steps a:has-text("Results")');
  await page.waitForFunction(
    () => document.querySelector('#stat-delivered')?.textContent === '3',
    null,
    { timeout: 30000 },
  );
  assert.equal(await page.textContent('#stat-targeted'), '4');
  await page.waitForFunction(
    () => document.querySelectorAll('#delivery-log .delivery[data-state="delivered"]').length === 3,
  );
  assert.match(await page.textContent('#suppressed'), /Not in the target cohort/);
  await page.locator('#delivery-log details').first().click();
  assert.match(await page.textContent('#delivery-log'), /Attempt 1/);
  await page.waitForFunction(() => document.querySelector('.chart canvas'));
  await snap('results');
  // Exposures as CSV: one row per message sent.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\r\n');
  assert.equal(csv[0], 'userId,at,deliveryId,status,group');
  assert.deepEqual(
    csv
      .slice(1)
      .map((l) => l.split(',')[0])
      .sort(),
    ['u1', 'u2', 'u3'],
  );
  for (const row of csv.slice(1)) assert.equal(row.split(',')[3], 'delivered');
  assertNoPageErrors();
});

test('pause, edit while paused, resume, end (with confirmation)', async () => {
  await page.click('nav.steps a:has-text("1 Settings")');
  await page.click('#action-pause');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Paused',
  );
  await page.click('nav.steps a:has-text("2 Webhook")');
  await page.locator('#f-url').waitFor();
  assert.equal(await page.locator('#readonly-why').count(), 0, 'editable while paused');
  await page.fill('#f-headers-0--value', 'welcome-2');
  await page.click('#save-webhook');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#save-status').textContent),
  );
  await snap('paused-edit');
  await page.click('nav.steps a:has-text("1 Settings")');
  await page.click('#action-resume');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Running',
  );
  // Running: the content is read-only, and the page says why.
  await page.click('nav.steps a:has-text("2 Webhook")');
  await page.locator('#readonly-why').waitFor();
  assert.equal(await page.getAttribute('#f-url', 'readonly'), '');
  await snap('running-readonly');
  await page.click('nav.steps a:has-text("1 Settings")');
  await page.click('#action-end');
  await page.locator('#confirm-end').waitFor();
  await snap('end-confirm');
  await page.click('#confirm-end');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Ended',
  );
  assert.equal(await page.isDisabled('#action-start'), true);
  await page.click('a.back');
  await page.locator(`#campaign-table tr[data-key="${campaignKey}"]`).waitFor();
  assert.match(
    await page.textContent(`#campaign-table tr[data-key="${campaignKey}"]`),
    /Ended.*API-based.*3 sent · 3 delivered · 0 failed · 1 held back/s,
  );
  await page.fill('#campaign-search', 'no such campaign');
  await page.locator('text=No campaign matches').waitFor();
  await page.fill('#campaign-search', campaignKey.toUpperCase());
  await page.locator(`#campaign-table tr[data-key="${campaignKey}"]`).waitFor();
  await snap('campaign-list');
  assertNoPageErrors();
});

test('a failed delivery shows every attempt and its replay sends the same request again', async () => {
  const created = await call('POST', '/v1/campaigns', {
    title: 'Failing destination',
    target: { allUsers: true },
    send: { type: 'api' },
    webhook: { url: `${sink.url}/fail/{{ user.id }}`, method: 'POST', body: '{"n": 1}' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.data));
  const key = created.data.campaign.key;
  assert.equal((await call('POST', `/v1/campaigns/${key}/start`)).status, 200);
  assert.equal(
    (await call('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'u1' }] })).data
      .accepted,
    1,
  );
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/results`); // signed in, whatever ran before
  // 500 is retried 3 times (1 s, 2 s, 4 s), then the delivery has failed.
  const failed = page.locator('#delivery-log .delivery[data-state="failed"]');
  await failed.waitFor({ timeout: 30000 });
  await failed.locator('summary').first().click();
  assert.equal(await failed.locator('.attempts > li').count(), 4);
  assert.match(await failed.textContent(), /answered 500/);
  assert.match(await failed.textContent(), /still counts for customer fatigue/);
  assert.equal(await page.textContent('#stat-failed'), '1');
  await snap('results-failed');
  const before = sink.seen.filter((r) => r.url === '/fail/u1');
  await failed.locator('button[data-render="stored"]').click();
  await page.waitForFunction(() => document.querySelector('#log-status').textContent !== '');
  assert.match(await page.textContent('#log-status'), /Replaying the message for u1/);
  // The replay is a new run of attempts; the first run stays readable.
  await page.locator('#delivery-log .earlier-run').waitFor({ timeout: 30000 });
  assert.match(
    await page.textContent('#delivery-log .earlier-run > summary'),
    /Before replay 1: 4 attempts/,
  );
  const replayed = sink.seen.filter((r) => r.url === '/fail/u1');
  assert.ok(replayed.length > before.length, 'the replay reached the destination');
  assert.equal(
    replayed.at(-1).headers['webhook-id'],
    before[0].headers['webhook-id'],
    'same webhook-id',
  );
  assert.equal(replayed.at(-1).body, before[0].body, 'same body');
  await snap('results-replayed');
  // The worker answered 500 on purpose: no refusal of the page's requests expected.
  assertNoPageErrors();
});

test('failed messages: fix the webhook while paused and resend them all with one action; counts add up', async () => {
  const created = await call('POST', '/v1/campaigns', {
    title: 'Fix and resend',
    target: { allUsers: true },
    send: { type: 'api' },
    webhook: { url: `${sink.url}/reject/{{ user.id }}`, method: 'POST', body: '{"v": 1}' },
  });
  const key = created.data.campaign.key;
  assert.equal((await call('POST', `/v1/campaigns/${key}/start`)).status, 200);
  assert.equal(
    (
      await call('POST', `/v1/campaigns/${key}/send`, {
        recipients: [{ userId: 'u1' }, { userId: 'u2' }],
      })
    ).data.accepted,
    2,
  );
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/results`);
  await page.waitForFunction(
    () => document.querySelector('#stat-failed')?.textContent === '2',
    null,
    { timeout: 30000 },
  );
  // A failed message still counts for the duplicate rule, and the page says so.
  const again = await call('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'u1' }] });
  assert.equal(again.data.suppressed.already_sent, 1);
  await page.locator('#resend-failed').waitFor();
  assert.match(
    await page.textContent('#resend-failed'),
    /2 messages failed.*still counts for customer fatigue/s,
  );
  await snap('results-fix-and-resend');

  await page.click('nav.steps a:has-text("1 Settings")');
  await page.click('#action-pause');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Paused',
  );
  await page.click('nav.steps a:has-text("2 Webhook")');
  await page.fill('#f-url', `${sink.url}/fixed/{{ user.id }}`);
  await page.click('#save-webhook');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#save-status').textContent),
  );
  await page.locator('#resend-failed-button').click();
  await page.waitForFunction(() =>
    /2 failed messages will be sent again/.test(
      document.querySelector('#resend-failed-status').textContent,
    ),
  );
  assert.match(await page.textContent('#resend-failed-status'), /wait until you resume/);
  await snap('webhook-resent');
  const stats = (await call('GET', `/v1/campaigns/${key}/stats`)).data;
  assert.deepEqual(
    [stats.sent, stats.failed, stats.pending],
    [2, 0, 2],
    'failed → pending, sent unchanged',
  );

  await page.click('nav.steps a:has-text("1 Settings")');
  await page.click('#action-resume');
  await page.waitForFunction(
    () => document.querySelector('#campaign-status').textContent === 'Running',
  );
  await page.click('nav.steps a:has-text("Results")');
  await page.waitForFunction(
    () => document.querySelector('#stat-delivered')?.textContent === '2',
    null,
    { timeout: 30000 },
  );
  assert.equal(await page.textContent('#stat-failed'), '0');
  assert.equal(await page.textContent('#stat-sent'), '2');
  for (const user of ['u1', 'u2']) {
    const first = sink.seen.find((r) => r.url === `/reject/${user}`);
    const fixed = sink.seen.filter((r) => r.url === `/fixed/${user}`);
    assert.equal(fixed.length, 1, `${user} was sent once with the fixed webhook`);
    assert.equal(fixed[0].headers['webhook-id'], first.headers['webhook-id'], 'same webhook-id');
  }
  const row = page.locator('#delivery-log .delivery[data-user="u1"]');
  await row.locator('summary').first().click();
  await row.locator('.earlier-run > summary').click();
  assert.match(await row.locator('.earlier-run').textContent(), /answered 422/);
  assert.match(await row.locator('.request-sent').textContent(), /\/fixed\/u1/);
  await snap('results-resent');
  assertNoPageErrors();
});

test('Step 5 schedule and event forms: time zone, repeat, trigger filter, delay; problems by their field', async () => {
  const created = await call('POST', '/v1/campaigns', {
    title: 'Timing',
    target: { allUsers: true },
  });
  const key = created.data.campaign.key;
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/start`);
  await page.click('#type-schedule');
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await page.fill('#send-date', day);
  await page.fill('#send-time', '09:30');
  await page.fill('#send-zone', 'Asia/Seoul');
  // The instant in the reader's zone, from src/js/timezone.js (Chromium here runs in UTC: 09:30 Seoul is 00:30).
  await page.waitForFunction(() => /That is .* in your time zone/.test(document.body.textContent));
  await page.check('text=Repeat');
  await page.selectOption('select[aria-label="repeat unit"]', 'weeks');
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  let stored = (await call('GET', `/v1/campaigns/${key}`)).data.campaign;
  assert.deepEqual(
    {
      type: stored.send.type,
      at: stored.send.at.slice(0, 16),
      timeZone: stored.send.timeZone,
      unit: stored.send.repeat?.unit,
    },
    { type: 'schedule', at: `${day}T09:30`, timeZone: 'Asia/Seoul', unit: 'weeks' },
  );
  await snap('step5-schedule');
  // A zone the runtime does not know: the worker's problem shows by the time-zone box.
  await page.fill('#send-zone', 'Mars/Olympus');
  await page.click('#save-start');
  const problem = page.locator('li.problem[data-field="send.timeZone"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-code'), 'unknown_time_zone');

  // Event-based: the trigger from the events seen, a filter on its properties, a delay.
  await page.click('#type-event');
  await page.selectOption('#send-event', 'purchase');
  await page.click("text=+ only when the event's properties match");
  const where = page.locator('.where-row').first();
  await where.locator('input[aria-label="property"]').fill('amount');
  await where.locator('select[aria-label="operator"]').selectOption('gte');
  await where.locator('input[aria-label="value"]').fill('10');
  await page.check('text=Wait before sending');
  await page.fill('input[aria-label="delay"]', '15');
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  stored = (await call('GET', `/v1/campaigns/${key}`)).data.campaign;
  assert.equal(stored.send.type, 'event');
  assert.equal(stored.send.event, 'purchase');
  assert.deepEqual(stored.send.where, [{ property: 'amount', op: 'gte', value: 10 }]);
  assert.deepEqual(stored.send.delay, { value: 15, unit: 'minutes' });
  await snap('step5-event');
  assertNoPageErrors([/^PATCH \/v1\/campaigns\/[^/]+ 400$/]);
});

test('messages agree with the screen: untouched fields quiet, a past time warned, refusals cleared by the fix', async () => {
  const created = await call('POST', '/v1/campaigns', {
    title: 'Agreeing',
    target: { allUsers: true },
    webhook: { url: `${sink.url}/hook/{{ user.id }}`, method: 'POST', body: '{"n": 1}' },
  });
  const key = created.data.campaign.key;
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/start`);
  await page.click('#type-schedule');
  // Nothing chosen yet: no problem about the date it has not been given.
  assert.equal(
    await page.locator('li.problem[data-field="send.at"]').count(),
    0,
    'no problem for an untouched date',
  );
  await page.fill('#send-date', '2020-01-01');
  await page.fill('#send-time', '09:00');
  await page.fill('#send-zone', 'Asia/Seoul');
  const passed = page.locator('li.problem[data-field="send.at"][data-code="schedule_passed"]');
  await passed.waitFor();
  assert.match(await passed.textContent(), /has already passed/);
  assert.match(await passed.textContent(), /Asia\/Seoul/, "the time in the campaign's zone, named");
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  await page.click('#action-start');
  await page.locator('#action-refusal').waitFor();
  // Switching to API-based and saving: the refusal about the schedule goes.
  await page.click('#type-api');
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  assert.equal(await page.locator('#action-refusal').count(), 0, 'the old refusal is gone');
  await page.locator('#launch-ready').waitFor();

  // A blank title cannot be saved, and says why; typing one back enables Save.
  await page.click('nav.steps a:has-text("1 Settings")');
  await page.fill('#title', '');
  assert.equal(await page.isDisabled('#save-settings'), true);
  await page.locator('#title-needed').waitFor();
  await page.fill('#title', 'Agreeing again');
  assert.equal(await page.isDisabled('#save-settings'), false);
  assert.equal(await page.locator('#title-needed').count(), 0);

  // A webhook saved with blocking problems is a draft, and the page says so.
  await page.click('nav.steps a:has-text("2 Webhook")');
  await page.fill('#f-url', 'ftp://example.invalid/x');
  await page.click('#save-webhook');
  await page.waitForFunction(() =>
    /Saved as a draft: \d+ problems? to fix/.test(
      document.querySelector('#save-status').textContent,
    ),
  );
  await snap('messages-agree');
  assertNoPageErrors([/^POST \/v1\/campaigns\/[^/]+\/start 400$/]);
});

test('a one-time schedule that ran says when, in its zone, and that nothing more is scheduled', async () => {
  // Three seconds from now, written as Seoul's local time (UTC+9, no daylight saving).
  const at = new Date(Date.now() + 3000 + 9 * 3600e3).toISOString().slice(0, 19);
  const created = await call('POST', '/v1/campaigns', {
    title: 'Once',
    target: { allUsers: true },
    send: { type: 'schedule', at, timeZone: 'Asia/Seoul' },
    webhook: { url: `${sink.url}/once/{{ user.id }}`, method: 'POST', body: '{}' },
  });
  const key = created.data.campaign.key;
  assert.equal((await call('POST', `/v1/campaigns/${key}/start`)).status, 200);
  let c;
  for (let i = 0; i < 300; i++) {
    // the run is the worker's, at its time: wait for it, do not time it
    c = (await call('GET', `/v1/campaigns/${key}`)).data.campaign;
    if (c.lastRunAt) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(c.lastRunAt, 'the schedule ran');
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/settings`);
  await page.locator('#run-times').waitFor();
  const said = await page.textContent('#run-times');
  assert.match(said, /Sent on .*\(Asia\/Seoul\), nothing more scheduled/);
  assert.doesNotMatch(said, /next send/);
  assert.equal(
    await statusText(),
    'Running',
    'it stays running until ended (its failures can still be resent)',
  );
  assertNoPageErrors();
});

test('the cohorts page: an event condition with a property filter, all/any, and its size now', async () => {
  await page.goto(`${worker.consoleUrl}&/cohorts/new`);
  await page.locator('#cohort-name').waitFor();
  // A new cohort starts empty: no "holds no rule" problem before the first edit.
  assert.equal(await page.locator('li.problem[data-code="empty_group"]').count(), 0);
  await page.fill('#cohort-name', 'Recent buyers');
  await page.click('button:has-text("+ Event condition")');
  const cond = page.locator('.cond').first();
  await cond.locator('input[aria-label="event"]').fill('purchase');
  await cond.locator('input[type="checkbox"]').nth(1).check(); // "in the last"
  await cond.locator("text=+ filter on the event's properties").click();
  const where = cond.locator('.where-row').first();
  await where.locator('input[aria-label="property"]').fill('amount');
  await where.locator('select[aria-label="operator"]').selectOption('gte');
  await where.locator('input[aria-label="value"]').fill('10');
  // An "any" group inside: plan is pro or plan is free.
  await page.click('button:has-text("+ Group")');
  const group = page.locator('.group.depth-1');
  await group.locator('input[aria-label="value"]').first().fill('pro');
  await group.locator('input[aria-label="property"]').first().fill('plan');
  // The engine checks the rule as it is built: an empty value list is a located problem.
  await group.locator('select[aria-label="operator"]').first().selectOption('in');
  await group.locator('input[aria-label="values, separated by commas"]').fill('');
  await group.locator('li.problem').first().waitFor();
  assert.match(
    await group.locator('li.problem').first().getAttribute('data-field'),
    /^rule\.all\[1\]\.any\[0\]/,
  );
  assert.equal(await page.isDisabled('#save-cohort'), true);
  await group.locator('input[aria-label="values, separated by commas"]').fill('pro, free');
  await page.waitForFunction(() => !document.querySelector('.group.depth-1 li.problem.error'));
  // Exclude users whose first name is Linus (nobody who bought): { not: … }.
  await page.click('.group.depth-0 > .add-row button:has-text("+ Exclude")');
  const excluded = page.locator('.not-group').first();
  await excluded.locator('input[aria-label="property"]').first().fill('first_name');
  await excluded.locator('input[aria-label="value"]').first().fill('Linus');
  await page.waitForFunction(() => !document.querySelector('.group.depth-0 li.problem.error'));
  await page.click('#save-cohort');
  // u1 bought for 19.99 (and is pro): the only member.
  await page.waitForFunction(
    () => document.querySelector('#cohort-estimate [data-users]')?.dataset.users === '1',
  );
  assert.match(await page.textContent('#cohort-estimate'), /u1/);
  assert.match(page.url(), /#\/cohorts\/[^/]+$/);
  const stored = await call(
    'GET',
    `/v1/cohorts/${decodeURIComponent(page.url().split('/').pop())}`,
  );
  assert.deepEqual(stored.data.cohort.rule.all[2], {
    not: { any: [{ property: 'first_name', op: 'eq', value: 'Linus' }] },
  });
  await snap('cohort-page');
  await page.click('a.back');
  await page.locator('a', { hasText: 'Recent buyers' }).waitFor();
  assertNoPageErrors();
});

test('Send Test Message explains a capped Retry-After and an unreachable destination in words', async () => {
  const closed = await new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
  for (const [name, url] of [
    ['limited', `${sink.url}/limited/{{ user.id }}`],
    ['refused', `http://127.0.0.1:${closed}/hook`],
  ]) {
    const created = await call('POST', '/v1/campaigns', {
      title: `Test send ${name}`,
      webhook: { url, method: 'POST', body: '{}' },
    });
    await page.goto(`${worker.consoleUrl}&/campaigns/${created.data.campaign.key}/test`);
    await page.click('#test-mode-form');
    await page.click('#send-test');
    await page.locator('#test-result').waitFor();
    assert.equal(await page.getAttribute('#test-result', 'data-ok'), 'false');
    const live = await page.textContent('#test-live');
    if (name === 'limited') {
      assert.equal(await page.getAttribute('#test-response-status', 'data-status'), '429');
      assert.match(live, /retry in 10\.00 s, because the destination is rate limiting \(429\)/);
      assert.match(live, /asked to wait 120\.00 s \(Retry-After\).*capped/);
    } else {
      assert.equal(
        await page.getAttribute('#test-result [data-error]', 'data-error'),
        'connection_refused',
      );
      assert.match(await page.textContent('#test-result'), /refused the connection/);
      assert.match(live, /would retry in 1\.00 s, because the connection failed/);
    }
    await snap(`test-send-${name}`);
    await page.keyboard.press('Escape');
  }
  assertNoPageErrors();
});

test('by keyboard alone: create a campaign, add a personalization variable, close a modal with Escape', async () => {
  await page.goto(`${worker.consoleUrl}&/campaigns`);
  await page.locator('#create-campaign').waitFor();
  /** Presses Tab until `test` holds for the focused element (at most 40 times). */
  const tabTo = async (test, arg) => {
    for (let i = 0; i < 40; i++) {
      if (await page.evaluate(test, arg)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${test} ${arg ?? ''}`);
  };
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(() => document.activeElement?.id === 'create-campaign');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'new-title'); // the title box takes the focus
  await page.keyboard.type('Keyboard campaign');
  await page.keyboard.press('Enter');
  await page.locator('#campaign-key').waitFor();
  await tabTo(() => document.activeElement?.textContent === '2 Webhook');
  await page.keyboard.press('Enter');
  await page.locator('#f-url').waitFor();
  await tabTo(() => document.activeElement?.id === 'f-url');
  await page.keyboard.type(`${sink.url}/k/`);
  await page.keyboard.press('Tab'); // the {…} beside the URL
  await page.waitForFunction(() => document.activeElement?.dataset.varFor === 'url');
  await page.keyboard.press('Enter');
  await page.locator('[data-property="first_name"]').waitFor();
  await tabTo(() => document.activeElement?.dataset.property === 'first_name');
  await page.keyboard.press('Enter');
  await tabTo(() => document.activeElement?.id === 'pv-fallback');
  await page.keyboard.type('friend');
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  assert.equal(
    await page.inputValue('#f-url'),
    `${sink.url}/k/{{ user.first_name | default: "friend" }}`,
  );
  // The focus lands back where the tag went in (waited for, not sampled: under load
  // the browser's own focus restoration of a closing dialog may come a task later).
  await page.waitForFunction(() => document.activeElement?.id === 'f-url');
  // Escape closes the modal and gives the focus back to its button.
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.activeElement?.dataset.varFor === 'url');
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.dataset.varFor === 'url');
  await tabTo(() => document.activeElement?.id === 'save-webhook');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#save-status').textContent),
  );
  await snap('keyboard-only');
  assertNoPageErrors();
});

test('signed in across tabs: a new tab needs no key; signed out, it asks once and refuses a wrong one', async () => {
  const tab = await context.newPage(); // a new tab of the same browser, as a Ctrl+click opens
  try {
    await tab.goto(`${worker.origin}/web/#/campaigns`);
    await tab.locator('h1', { hasText: 'Webhook campaigns' }).waitFor({ timeout: 20000 });
    assert.equal(await tab.locator('#signin-key').count(), 0, 'no key asked');
    await tab.click('#sign-out');
    await tab.locator('#signin-key').waitFor();
    await tab.fill('#signin-key', 'not-the-key');
    await tab.click('button:has-text("Sign in")');
    await tab.waitForFunction(() =>
      /did not accept/.test(document.querySelector('#signin-problem').textContent),
    );
    await tab.fill('#signin-key', worker.key);
    await tab.click('button:has-text("Sign in")');
    await tab.locator('h1', { hasText: 'Webhook campaigns' }).waitFor();
    assert.equal(await tab.evaluate(() => sessionStorage.length + localStorage.length), 0);
    // Reloading keeps the tab signed in.
    await tab.reload();
    await tab.locator('h1', { hasText: 'Webhook campaigns' }).waitFor();
    // A page of another site cannot make this browser change anything: the
    // cookie stays home (SameSite=Strict), and the worker checks the Origin.
    const forged = await fetch(`${worker.origin}/v1/campaigns`, {
      method: 'POST',
      body: '{"title": "forged"}',
      headers: {
        'content-type': 'application/json',
        origin: 'http://evil.example',
        cookie: `hookcast_session=${(await context.cookies(worker.origin)).find((c) => c.name === 'hookcast_session').value}`,
      },
    });
    assert.equal(forged.status, 403);
  } finally {
    await tab.close();
  }
  // The first tab was signed out with the browser; the printed URL signs it in again.
  await page.goto(worker.consoleUrl);
  await page.locator('h1', { hasText: 'Webhook campaigns' }).waitFor();
  assertNoPageErrors([/^POST \/v1\/session 401$/]);
});

test('frequency capping settings: the engine checks, the worker stores', async () => {
  await page.click('a:has-text("Frequency capping")');
  await page.click('#add-cap');
  await page.fill('input[aria-label="rule 1 limit"]', '0');
  await page.locator('#cap-rules li.problem, #cap-rules .problem').first().waitFor();
  assert.equal(await page.isDisabled('#save-caps'), true);
  await page.fill('input[aria-label="rule 1 limit"]', '3');
  await page.click('#save-caps');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#caps-status').textContent),
  );
  const stored = await call('GET', '/v1/settings/frequency-capping');
  assert.deepEqual(stored.data.rules, [{ limit: 3, period: { value: 1, unit: 'days' } }]);
  await snap('frequency-capping');
  assertNoPageErrors();
});

test("quiet hours settings; Step 5 offers each user's time zone and the opt-in; a dead host shows on Destinations and resumes", async () => {
  await page.click('a:has-text("Quiet hours")');
  await page.check('#quiet-on');
  await page.fill('#quiet-start', '22:00');
  await page.fill('#quiet-end', '07:30');
  await page.fill('#quiet-fallback', 'Europe/Berlin');
  await page.click('#save-quiet');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#quiet-status').textContent),
  );
  assert.deepEqual((await call('GET', '/v1/settings/quiet-hours')).data, {
    start: '22:00',
    end: '07:30',
    timeZone: 'user',
    fallbackTimeZone: 'Europe/Berlin',
  });
  await snap('quiet-hours');

  const created = await call('POST', '/v1/campaigns', {
    title: 'Local nine',
    target: { allUsers: true },
  });
  const key = created.data.campaign.key;
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/start`);
  await page.click('#type-schedule');
  await page.fill('#send-date', new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10));
  await page.fill('#send-time', '09:00');
  await page.check('#send-per-user');
  await page.fill('#send-fallback', 'Asia/Seoul');
  await page.waitForFunction(() =>
    /first messages can leave/.test(document.querySelector('#user-zone-span').textContent),
  );
  await page.check('#apply-quiet');
  await page.waitForFunction(() => /22:00 to 07:30/.test(document.body.textContent));
  await page.click('#save-start');
  await page.waitForFunction(() =>
    /Saved/.test(document.querySelector('#start-status').textContent),
  );
  const stored = (await call('GET', `/v1/campaigns/${key}`)).data.campaign;
  assert.equal(stored.send.timeZone, 'user');
  assert.equal(stored.send.fallbackTimeZone, 'Asia/Seoul');
  assert.equal(stored.quietHours, true);
  await snap('step5-user-zones');

  // A receiver of its own that always answers 503: 20 batches trip its host.
  const dead = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(503);
      res.end();
    });
  });
  await new Promise((ok) => dead.listen(0, '127.0.0.1', ok));
  const host = `127.0.0.1:${dead.address().port}`;
  try {
    for (let i = 0; i < 20; i++)
      await call('POST', '/v1/deliveries', {
        spec: { url: `http://${host}/x`, method: 'POST', body: '{}' },
        contexts: [{}],
      });
    for (let i = 0; i < 200; i++) {
      const d = (await call('GET', '/v1/destinations')).data.destinations.find(
        (x) => x.host === host,
      );
      if (d?.state === 'unhealthy') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.click('a:has-text("Destinations")');
    const row = page.locator(`#destinations tr[data-host="${host}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'unhealthy');
    assert.match(await row.textContent(), /HTTP 503/);
    await snap('destinations');
    await row.locator('button[data-resume]').click();
    await page.waitForFunction(() =>
      /resumed/.test(document.querySelector('#destinations-status').textContent),
    );
  } finally {
    dead.closeAllConnections();
    await new Promise((ok) => dead.close(ok));
  }
  assertNoPageErrors();
});

test('at 390 px wide every page fits without sideways scrolling, light and dark', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const steps = ['settings', 'webhook', 'target', 'review', 'test', 'start', 'results'];
    for (const route of [
      '#/campaigns',
      ...steps.map((s) => `#/campaigns/${campaignKey}/${s}`),
      '#/cohorts',
      '#/cohorts/new',
      '#/settings/frequency-capping',
      '#/settings/quiet-hours',
      '#/destinations',
    ]) {
      await page.evaluate((h) => {
        location.hash = h;
      }, route);
      await page.locator('#main h1').first().waitFor();
      await page.waitForTimeout(50); // let the step's own requests fill it in
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${route} is ${width}px wide at 390px (${scheme})`);
    }
    await snap(`narrow-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
  assertNoPageErrors();
});

test('after every flow above, the console reported no Content-Security-Policy violation', async () => {
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assertNoPageErrors();
});
