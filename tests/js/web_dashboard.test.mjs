// Browser test of the dashboard (web/): Debian's Chromium through
// playwright-core, the page served from the repository root by a loopback
// static server, the real wasm engine (dist/ must be built). Every test fails
// on any console error or page error.
//
// The "Send test" cases talk to a stand-in for the edge worker on 127.0.0.1
// that records what the page sent and answers with a fixed outcome: they
// check the dashboard's request and display, not the worker.
import { after, before, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStaticServer } from './helpers/static_server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const screenshotDir = process.env.HOOKCAST_SCREENSHOTS; // optional: where to save layout screenshots

let server;
let context;
let profileDir;
let page;
let consoleErrors;
let expectedConsole; // console errors a test provokes on purpose (regexes)

before(async () => {
  for (const f of ['src/js/browser.js', 'dist/hookcast.mjs', 'dist/hookcast.wasm']) {
    assert.ok(existsSync(join(root, f)), `${f} is missing: build the engine first (bash scripts/build.sh wasm)`);
  }
  server = await startStaticServer({ root });
  profileDir = mkdtempSync(join(tmpdir(), 'hookcast-web-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

beforeEach(async () => {
  page = await context.newPage();
  consoleErrors = [];
  expectedConsole = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  await page.goto(`${server.url}/web/`);
  await page.waitForSelector('body[data-engine="ready"]', { timeout: 15000 });
  await page.click('#reset'); // a known starting point, whatever an earlier test saved
});

afterEach(async () => {
  // An exception inside the update loop is shown in the engine status line.
  const engineState = await page.getAttribute('#engine-status', 'data-state');
  const engineText = await page.textContent('#engine-status');
  await page.close();
  assert.equal(engineState, 'ok', engineText);
  const unexpected = consoleErrors.filter((e) => !expectedConsole.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], 'the page logged errors');
});

/** Clears a field and types `text` one key at a time (one engine run per key). */
async function typeInto(selector, text) {
  await page.fill(selector, '');
  await page.locator(selector).pressSequentially(text);
}

const curlText = () => page.locator('#curl').textContent();

test('an http:// URL shows https_required next to the URL input', async () => {
  await typeInto('#url', 'http://api.example.com/hooks');
  const problem = page.locator('#url-problems li[data-code="https_required"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('class'), 'problem error');
  assert.match(await problem.textContent(), /https_required/);
  assert.equal(await page.getAttribute('#url', 'aria-invalid'), 'true');
  // The input points at its message for assistive technology.
  const describedBy = await page.getAttribute('#url', 'aria-describedby');
  assert.equal(await problem.getAttribute('id'), describedBy);
  // No preview while the request is invalid.
  assert.equal(await page.isHidden('#curl'), true);
  assert.equal(await page.isDisabled('#copy-curl'), true);
});

test('a variable in the URL is rendered and percent-encoded in the cURL command', async () => {
  await typeInto('#ctx-user-id', 'ada lovelace/1');
  await typeInto('#url', 'https://api.example.com/u/{{ user.id }}/ping');
  await page.waitForFunction(() => !document.querySelector('#curl').hidden);
  const curl = await curlText();
  assert.match(curl, /https:\/\/api\.example\.com\/u\/ada%20lovelace%2F1\/ping/i);
  assert.doesNotMatch(curl, /\{\{/);
  assert.equal(await page.getAttribute('#url', 'aria-invalid'), null);
  assert.equal(await page.locator('#url-problems li.error').count(), 0);
  // user.id has no fallback: the engine warns, in the warning style, by the URL.
  const warning = page.locator('#url-problems li[data-code="missing_fallback"]');
  assert.equal(await warning.getAttribute('class'), 'problem warning');
  assert.match(await page.getAttribute('#url', 'class'), /has-warning/);
  // The table's request row carries the same URL.
  const urlCell = page.locator('#request-table tbody[data-section="request"] tr', { hasText: 'url' }).locator('td');
  assert.match(await urlCell.textContent(), /\/u\/ada%20lovelace%2F1\/ping/i);
});

test('adding a Content-Type header shows content_type_fixed on that row', async () => {
  await page.click('#add-headers');
  const row = page.locator('#headers-rows .kv-row').last();
  // The new row's name input has the focus, so typing goes straight in.
  await page.keyboard.type('Content-Type');
  await row.locator('input').nth(1).pressSequentially('text/plain');
  const problem = row.locator('li[data-code="content_type_fixed"]');
  await problem.waitFor();
  assert.match(await problem.getAttribute('class'), /\berror\b/);
  assert.equal(await row.locator('input').first().getAttribute('aria-invalid'), 'true');
  // Removing the row removes the problem.
  await row.locator('button.remove').click();
  await page.waitForFunction(() => !document.querySelector('[data-code="content_type_fixed"]'));
});

test('GET with a body shows body_not_allowed by the body and offers to clear it', async () => {
  assert.notEqual(await page.inputValue('#body'), '');
  await page.selectOption('#method', 'GET');
  const problem = page.locator('#body-problems li[data-code="body_not_allowed"]');
  await problem.waitFor();
  assert.equal(await page.isDisabled('#body'), true);
  assert.equal(await page.isVisible('#body-note'), true);
  await page.click('#clear-body');
  await problem.waitFor({ state: 'detached' });
  await page.waitForFunction(() => !document.querySelector('#curl').hidden);
  assert.doesNotMatch(await curlText(), /--data/);
  assert.match(await curlText(), /GET|curl/);
});

test('the table shows the rendered params and the variables panel lists every variable', async () => {
  const params = page.locator('#request-table tbody[data-section="params"]');
  await params.waitFor();
  const rows = await params.locator('tr[data-section="params"]').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows, [['source', 'hookcast'], ['product', 'sku 42/blue']]);

  // A parameter added through the keyboard shows up rendered.
  await page.focus('#add-params');
  await page.keyboard.press('Enter');
  await page.keyboard.type('kind');
  await page.keyboard.press('Tab');
  await page.keyboard.type('{{ event.key }}');
  await page.waitForFunction(() => document.querySelectorAll('#request-table tr[data-section="params"]').length === 3);
  const last = await params.locator('tr[data-section="params"]').last().evaluate((tr) => [...tr.children].map((c) => c.textContent.trim()));
  assert.deepEqual(last, ['kind', 'purchase']);
  assert.match(await curlText(), /kind=purchase/);

  const vars = await page.locator('#vars-rows tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  const names = vars.map(([source, name]) => `${source}.${name}`);
  for (const v of ['user.id', 'event.product_id', 'user.locale', 'user.first_name', 'event.key', 'event.amount']) {
    assert.ok(names.includes(v), `variables panel lacks ${v}: ${JSON.stringify(vars)}`);
  }
  const locale = vars.find(([s, n]) => s === 'user' && n === 'locale');
  assert.equal(locale[2], '"en-US"');
  assert.equal(locale[3], 'headers[0].value');
  // "Where" jumps to the field.
  await page.locator('#vars-rows tr', { hasText: 'locale' }).locator('button').click();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'headers[0].value');
});

test('Insert variable puts a tag with its fallback at the cursor', async () => {
  await typeInto('#url', 'https://api.example.com/greet/');
  await page.click('#ins-name'); // focus leaves the URL; the helper remembers it
  assert.equal(await page.textContent('#ins-target'), 'the URL');
  await page.fill('#ins-name', 'first_name');
  await page.fill('#ins-fallback', 'friend');
  await page.click('#ins-button');
  assert.equal(await page.inputValue('#url'), 'https://api.example.com/greet/{{ user.first_name | default: "friend" }}');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'url');
  await page.waitForFunction(() => /greet\/Ada/.test(document.querySelector('#curl').textContent));
  // The footer shows the per-keystroke time.
  assert.match(await page.textContent('#timing'), /engine \d+(\.\d+)? ms/);
});

test('Copy puts the exact cURL command on the clipboard', async () => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.waitForFunction(() => !document.querySelector('#curl').hidden);
  await page.click('#copy-curl');
  await page.waitForFunction(() => document.querySelector('#copy-status').textContent === 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await curlText());
});

test('the cohort preview renders every recipient and refuses only the one with unsafe data', async () => {
  const rows = page.locator('#cohort-rows tr');
  await page.waitForFunction(() => document.querySelectorAll('#cohort-rows tr').length === 3);
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.ok)), ['true', 'true', 'false']);
  assert.match(await rows.nth(0).textContent(), /customers\/u_1042\/events\?source=hookcast&product=sku-7/);
  assert.match(await rows.nth(1).textContent(), /product=none/); // the fallback
  assert.equal(await rows.nth(2).locator('li[data-code="header_injection"]').count(), 1);
  assert.match(await page.textContent('#cohort-status'), /3 recipients: 2 rendered, 1 refused/);
  // "Use" makes a recipient the sample recipient.
  await rows.nth(1).locator('button').click();
  assert.equal(await page.inputValue('#ctx-user-id'), 'u_2001');
  await page.waitForFunction(() => /u_2001/.test(document.querySelector('#curl').textContent));
  // A cohort that is not JSON is reported on the cohort box.
  await typeInto('#cohort', '[{"user": ');
  await page.locator('#cohort-problems li[data-code="invalid_cohort_json"]').waitFor();
  assert.equal(await page.isHidden('#cohort-table'), true);
});

test('the draft survives a reload', async () => {
  await typeInto('#url', 'https://hooks.example.org/saved');
  await page.reload();
  await page.waitForSelector('body[data-engine="ready"]');
  assert.equal(await page.inputValue('#url'), 'https://hooks.example.org/saved');
});

test('invalid sample JSON is reported on the sample box', async () => {
  await typeInto('#ctx-user-props', '{"first_name": ');
  const problem = page.locator('#ctx-user-problems li[data-code="invalid_sample_json"]');
  await problem.waitFor();
  assert.equal(await page.getAttribute('#ctx-user-props', 'aria-invalid'), 'true');
});

test('readable at 390px: no horizontal scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(50);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide at a 390px viewport`);
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, 'dashboard-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, 'dashboard-1280.png'), fullPage: true });
});

// ---- Send test, against a recording stand-in for the worker -------------------------

async function startFakeWorker(answer) {
  const seen = [];
  const srv = createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
    };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body: JSON.parse(body) });
      const [status, payload] = answer;
      res.writeHead(status, { ...cors, 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return { base: `http://127.0.0.1:${srv.address().port}`, seen, close: () => new Promise((ok) => srv.close(ok)) };
}

async function sendVia(worker, key = 'test-key') {
  await page.fill('#api-base', worker.base);
  await page.fill('#api-key', key);
  await page.click('#send-test');
  await page.waitForFunction(() => document.querySelector('#send-test').textContent === 'Send test'
    && document.querySelector('#send-status').textContent !== '');
}

test('Send test posts spec + context with the key and shows status, headers, body and retry verdict', async () => {
  const worker = await startFakeWorker([200, {
    request: { method: 'POST', url: 'https://api.example.com/v1/customers/u_1042/events', headers: [['Content-Type', 'application/json']], body: '{}' },
    outcome: { startedAt: 0, status: 503, headers: [['retry-after', '2'], ['content-type', 'text/plain']], body: 'try later', bodyTruncated: true, redirect: null, durationMs: 42.5, error: null, errorMessage: null, bodyError: null },
    warnings: [], wouldRetry: true, retryReason: 'server_error', retryDelayMs: 2000, signed: false, allowLocalHttp: false, id: 'msg_test1',
  }]);
  try {
    await sendVia(worker);
    assert.equal(worker.seen.length, 1);
    const [call] = worker.seen;
    assert.equal(call.url, '/v1/test-send');
    assert.equal(call.authorization, 'Bearer test-key');
    assert.equal(call.body.spec.method, 'POST');
    assert.equal(call.body.spec.url, 'https://api.example.com/v1/customers/{{ user.id | default: "unknown" }}/events');
    assert.equal(call.body.context.user.id, 'u_1042');
    assert.equal(call.body.context.event.properties.product_id, 'sku 42/blue');
    assert.equal('signingSecret' in call.body, false);
    assert.equal(await page.getAttribute('#send-result .status', 'data-status'), '503');
    assert.match(await page.textContent('#send-result .duration'), /42|43/);
    assert.equal(await page.getAttribute('#send-result .retry', 'data-retry'), 'true');
    assert.match(await page.textContent('#send-result .retry'), /server_error/);
    assert.match(await page.textContent('#send-result'), /retry-after/);
    assert.match(await page.textContent('#send-result .response-body'), /try later/);
    assert.match(await page.textContent('#send-result'), /truncated/);
    // The key is remembered for next time; the signing secret is not.
    assert.equal(await page.evaluate(() => localStorage.getItem('hookcast.apiKey')), 'test-key');
  } finally {
    await worker.close();
  }
});

test('Send test shows the error kind when the destination could not be reached', async () => {
  const worker = await startFakeWorker([200, {
    request: null,
    outcome: { startedAt: 0, status: null, headers: [], body: '', bodyTruncated: false, redirect: null, durationMs: 10000, error: 'timeout', errorMessage: 'No response within 10000 ms.', bodyError: null },
    wouldRetry: true, retryReason: 'timeout', retryDelayMs: 1000, allowLocalHttp: false,
  }]);
  try {
    await sendVia(worker);
    assert.equal(await page.getAttribute('#send-result .error-kind', 'data-error'), 'timeout');
    assert.match(await page.textContent('#send-result'), /No response within 10000 ms/);
    assert.equal(await page.getAttribute('#send-status', 'data-kind'), 'error');
  } finally {
    await worker.close();
  }
});

test('Send test explains a refused API key', async () => {
  const worker = await startFakeWorker([401, { ok: false, error: { code: 'unauthorized', message: 'Send "Authorization: Bearer <API key>".' },
    problems: [{ field: '', code: 'unauthorized', message: 'Send "Authorization: Bearer <API key>".', severity: 'error' }] }]);
  // Chromium itself logs every 4xx answer to fetch(); that line is the point of this test.
  expectedConsole.push(/^console: Failed to load resource: the server responded with a status of 401/);
  try {
    await sendVia(worker, 'wrong');
    assert.match(await page.textContent('#send-status'), /refused the API key \(401\)/);
  } finally {
    await worker.close();
  }
});

test('Send test lists the problems the worker answers 400 with', async () => {
  const worker = await startFakeWorker([400, { ok: false, error: { code: 'invalid_request', message: 'The request has problems.' },
    problems: [{ field: 'url', code: 'private_address', message: 'The destination is a private address.', severity: 'error' }] }]);
  expectedConsole.push(/^console: Failed to load resource: the server responded with a status of 400/);
  try {
    await sendVia(worker);
    assert.match(await page.textContent('#send-status'), /refused the test \(400\): The request has problems\./);
    assert.equal(await page.locator('#send-result li[data-code="private_address"]').count(), 1);
  } finally {
    await worker.close();
  }
});

test('Send test is refused while the request has errors', async () => {
  const worker = await startFakeWorker([200, {}]);
  try {
    await typeInto('#url', 'http://x');
    await sendVia(worker);
    assert.equal(worker.seen.length, 0);
    assert.match(await page.textContent('#send-status'), /Fix the errors/);
  } finally {
    await worker.close();
  }
});
