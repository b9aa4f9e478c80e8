// The console's cost per keystroke, in Chromium: key press to the next
// animation frame (the frame that shows the typed character) in Step 2's
// body, with the target's user sample loaded, for a typical body and a
// 100 KB one; also the engine's own check time the page reports, and what
// compile + renderBatch of the 100 KB body for 200 users costs in the page.
// Runs the worker as `npm start` does (scripts/start.mjs, its own state
// folder, free ports) and Debian's Chromium through playwright-core; every
// request stays on 127.0.0.1.
//
//   node bench/keystroke_bench.mjs        (needs dist/: bash scripts/build.sh wasm)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../', import.meta.url));
const KEYS = { typical: 40, '100 KB': 60 };

/** scripts/start.mjs on free ports; resolves with { child, origin, consoleUrl, key } once it prints the console URL. */
async function startWorker(stateDir) {
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
  child.stderr.on('data', (c) => (output += c));
  const m = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      output += c;
      const found = /(http:\/\/127\.0\.0\.1:\d+)\/web\/#key=(\S+)/.exec(output);
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  const sink = /demo sink[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/i.exec(output)?.[1] ?? m[1];
  return { child, origin: m[1], consoleUrl: m[0], key: decodeURIComponent(m[2]), sink };
}

const quantile = (list, p) => {
  const s = list.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

const stateDir = mkdtempSync(join(tmpdir(), 'hookcast-keystroke-state-'));
const profileDir = mkdtempSync(join(tmpdir(), 'hookcast-keystroke-profile-'));
const worker = await startWorker(stateDir);
const context = await chromium.launchPersistentContext(profileDir, {
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
await context.route('**/*', (route) => {
  const host = new URL(route.request().url()).hostname;
  return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
});
const page = await context.newPage();

async function call(method, path, body) {
  const res = await fetch(`${worker.origin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${worker.key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/**
 * Opens a campaign's composer and types `n` keys into the body, 100 ms apart
 * (a fast typist's pace). In the page, each keydown starts a clock that the
 * next animation frame stops.
 */
async function typeAndTime(key, n) {
  await page.goto(`${worker.consoleUrl}&/campaigns/${key}/webhook`);
  await page.locator('#f-body').waitFor({ timeout: 20000 });
  await page.waitForFunction(
    () => Number(document.querySelector('#audience-sample')?.dataset.total) > 0,
    null,
    { timeout: 30000 },
  );
  const sample = Number(await page.getAttribute('#audience-sample', 'data-total'));
  await page.click('#f-body');
  await page.evaluate(() => {
    const el = document.querySelector('#f-body');
    el.setSelectionRange(el.value.length - 2, el.value.length - 2);
    window.__keyFrames = [];
    if (window.__keyClock) return; // a hash navigation keeps the document and its listener
    window.__keyClock = true;
    document.addEventListener(
      'keydown',
      () => {
        const t0 = performance.now();
        requestAnimationFrame(() => window.__keyFrames.push(performance.now() - t0));
      },
      true,
    );
  });
  const engineMs = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('x');
    await page.waitForTimeout(100);
    engineMs.push(Number(/in ([\d.]+) ms/.exec(await page.textContent('#timing'))?.[1]));
  }
  const frames = await page.evaluate(() => window.__keyFrames);
  if (frames.length !== n || !(await page.inputValue('#f-body')).includes('x'.repeat(n)))
    throw new Error(`${n} keys typed, ${frames.length} frames seen`);
  return { frames, engineMs, sample };
}

try {
  // A 200-user cohort (the sample the composer renders is the estimate route's largest, 100).
  const users = Array.from({ length: 200 }, (_, i) => ({
    id: `bench-${i}`,
    properties: { first_name: `User ${i}`, plan: 'bench', age: i },
  }));
  await call('POST', '/v1/users', { users });
  const { cohort } = await call('POST', '/v1/cohorts', {
    name: 'Bench',
    rule: { property: 'plan', op: 'eq', value: 'bench' },
  });
  // 150 of the items personalized: a webhook holds at most 200 placeholders
  // (README, Limits); the others carry text as long, so the body stays 100 KB.
  const items = Array.from(
    { length: 1400 },
    (_, i) =>
      `{"sku": "item-${i}", "note": "${i < 150 ? '{{ user.first_name | default: "there" }}' : 'Hello there, our dear valued customer :)'}", "n": ${i}}`,
  );
  const large = `{"items": [${items.join(', ')}], "end": ""}`;
  const typical =
    '{"greeting": "Hi {{ user.first_name | default: "there" }}", "age": {{ user.age | default: 0 }}, "note": ""}';
  for (const [name, body] of [
    ['typical', typical],
    ['100 KB', large],
  ]) {
    const { campaign } = await call('POST', '/v1/campaigns', {
      title: `Keystroke bench (${name})`,
      target: { cohort: cohort.id },
      webhook: {
        url: `${worker.sink}/bench/{{ user.id }}`,
        method: 'POST',
        headers: [{ key: 'X-Plan', value: '{{ user.plan }}' }],
        body,
      },
    });
    const f = await typeAndTime(campaign.key, KEYS[name]);
    console.log(
      `keystroke, ${name} body (${body.length} B), ${f.sample}-user sample: key press -> next frame median ${quantile(f.frames, 0.5).toFixed(1)} ms, ` +
        `p95 ${quantile(f.frames, 0.95).toFixed(1)} ms over ${f.frames.length} keys; engine check median ${quantile(f.engineMs, 0.5).toFixed(1)} ms`,
    );
  }
  const batch200 = await page.evaluate(async (text) => {
    const { createEngine } = await import('/src/js/browser.js');
    const engine = await createEngine();
    const ctxs = Array.from({ length: 200 }, (_, i) => ({
      user: { id: `bench-${i}`, properties: { first_name: `User ${i}` } },
    }));
    const t0 = performance.now();
    const c = engine.compile({
      url: 'https://example.com/{{ user.id }}',
      method: 'POST',
      body: text,
    });
    c.webhook.renderBatch(ctxs);
    const ms = performance.now() - t0;
    c.webhook.dispose();
    return ms;
  }, large);
  console.log(
    `compile + renderBatch of the 100 KB body for 200 users in the page: ${batch200.toFixed(1)} ms`,
  );
} finally {
  await context.close();
  worker.child.kill('SIGTERM');
  await new Promise((r) => (worker.child.exitCode !== null ? r() : worker.child.once('exit', r)));
  for (const d of [stateDir, profileDir]) rmSync(d, { recursive: true, force: true });
}
