// The package as a developer meets it: `npm pack` the working tree, install
// the tarball into throwaway projects under a temp dir, and render one
// request in each place the package README promises — Node (ESM, require(),
// bundled by esbuild), browsers through esbuild, Vite (dev server and build),
// webpack 5, Rollup and a plain <script type=module> with an import map
// (served on 127.0.0.1, rendered in Chromium), and workerd through wrangler's
// bundle — each with no hookcast-specific configuration. Also: every code
// block of the published README runs and type-checks, and the types compile
// in strict projects with node16/nodenext/bundler resolution, with and
// without the DOM lib, against the installed package.
//
//   npm run test:package    (64 s here; the last step of npm test)
//
// First-render time and bytes per bundler are printed and written to
// test-artifacts/package-consumers.json (the figures in docs/package.md).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { after, before } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { startStaticServer } from '../js/helpers/static_server.mjs';
import { BROWSER, codeBlocks, RUNNABLE } from './examples.mjs';
import { makeProject, REPO_ROOT, RESOLUTIONS, STRICT, typecheck } from './typecheck.mjs';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-consumer-'));
const app = path.join(tmp, 'app');
const installed = path.join(app, 'node_modules/hookcast');
const figures = {};

const SPEC = {
  url: 'https://api.example.com/users/{{ user.id }}',
  method: 'POST',
  body: '{"name": "{{ user.name | default: "there" }}"}',
};
const CONTEXT = { user: { id: 'u 1', properties: { name: 'Zoë' } } };
const EXPECTED = {
  ok: true,
  request: {
    method: 'POST',
    url: 'https://api.example.com/users/u%201',
    headers: [['Content-Type', 'application/json']],
    body: '{"name": "Zoë"}',
  },
  warnings: [],
};

// The page's program, the same for every bundler: no top-level await, so an
// IIFE bundle (esbuild's default) works too.
const MAIN = `import { createEngine } from 'hookcast';

createEngine().then(
  (engine) => {
    const result = engine.render(${JSON.stringify(SPEC)}, ${JSON.stringify(CONTEXT)});
    document.body.dataset.ms = String(performance.now());
    document.body.dataset.result = JSON.stringify(result);
  },
  (error) => {
    document.body.dataset.error = String(error && error.stack ? error.stack : error);
  },
);
`;
const SERVER = `import { createEngine } from 'hookcast';

const engine = await createEngine();
console.log(JSON.stringify(engine.render(${JSON.stringify(SPEC)}, ${JSON.stringify(CONTEXT)})));
`;
const page = (script) => `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head>
<body>${script}</body></html>
`;

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

let browser;
let tarball;
before(async () => {
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  tarball = {
    path: path.join(tmp, info.filename),
    size: info.size,
    files: info.files.map((f) => f.path),
  };
  write(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }),
  );
  write(path.join(app, 'src/main.js'), MAIN);
  write(path.join(app, 'src/server.js'), SERVER);
  // The tarball as a file path; hookcast has no dependencies, so no registry traffic.
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball.path], {
    cwd: app,
  });
  browser = await chromium.launch({
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
  });
});
after(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (Object.keys(figures).length) {
    const out = path.join(REPO_ROOT, 'test-artifacts/package-consumers.json');
    write(out, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(
      `# first render per consumer (ms since navigation; bytes the page downloaded):\n${JSON.stringify(figures, null, 1)}`,
    );
  }
});

test('npm pack: the tarball holds the package, the package README and nothing else', () => {
  const expected = [
    'LICENSE',
    'README.md',
    'package.json',
    'index.d.ts',
    'hookcast.wasm.d.ts',
    'bin/hookcast.mjs',
    'dist/hookcast.mjs',
    'dist/hookcast.wasm',
    'dist/hookcast.wasm.base64.js',
  ];
  for (const f of expected)
    assert.ok(tarball.files.includes(f), `${f} missing: ${tarball.files.join(', ')}`);
  const extra = tarball.files.filter(
    (f) => !expected.includes(f) && !/^src\/js\/[a-z_]+\.js$/.test(f),
  );
  assert.deepEqual(extra, []);
  assert.ok(!tarball.files.includes('src/js/timezone.js'));
  const readme = fs.readFileSync(path.join(installed, 'README.md'), 'utf8');
  assert.match(readme, /^# hookcast\n/);
  assert.match(readme, /\| `hookcast\.wasm` \(the engine\) \| [\d.]+ KiB/);
  assert.doesNotMatch(readme, /npm start/);
  // postpack put the repository's README back.
  assert.match(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'), /## Two commands/);
  assert.ok(!fs.existsSync(path.join(REPO_ROOT, '.README.repository.md')));
});

test('Node: import, require() and the CLI from the installed package', async () => {
  const { stdout } = await run(process.execPath, ['src/server.js'], { cwd: app });
  assert.deepEqual(JSON.parse(stdout), EXPECTED);
  write(
    path.join(app, 'src/require.cjs'),
    `const { createEngine } = require('hookcast');\ncreateEngine().then((e) => console.log(JSON.stringify(e.render(${JSON.stringify(SPEC)}, ${JSON.stringify(CONTEXT)}))));\n`,
  );
  const required = await run(process.execPath, ['src/require.cjs'], { cwd: app });
  assert.deepEqual(JSON.parse(required.stdout), EXPECTED);
  write(path.join(app, 'spec.json'), JSON.stringify(SPEC));
  const cli = await run(path.join(app, 'node_modules/.bin/hookcast'), ['validate', 'spec.json'], {
    cwd: app,
  });
  assert.match(cli.stdout, /spec\.json: ok/);
});

test('Node: bundled by esbuild --bundle --platform=node (CommonJS by default, and ESM), each run alone', async () => {
  const esbuild = await import('esbuild');
  const dir = path.join(app, 'out-esbuild-node');
  // esbuild's default format for node is CommonJS (no import.meta.url, no
  // top-level await): a server written with .then().
  write(
    path.join(app, 'src/server_cjs.js'),
    SERVER.replace(
      /const engine = await createEngine\(\);\n(.*)\n/s,
      'createEngine().then((engine) => {\n  $1\n});\n',
    ),
  );
  await esbuild.build({
    entryPoints: [path.join(app, 'src/server_cjs.js')],
    bundle: true,
    platform: 'node',
    outfile: path.join(dir, 'server.cjs'),
    logLevel: 'silent',
  });
  await esbuild.build({
    entryPoints: [path.join(app, 'src/server.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: path.join(dir, 'server.mjs'),
    logLevel: 'silent',
  });
  // Each bundle alone, far from node_modules: the wasm must travel inside it.
  for (const file of ['server.cjs', 'server.mjs']) {
    const lonely = fs.mkdtempSync(path.join(tmp, 'lonely-'));
    fs.copyFileSync(path.join(dir, file), path.join(lonely, file));
    const { stdout } = await run(process.execPath, [file], { cwd: lonely });
    assert.deepEqual(JSON.parse(stdout), EXPECTED, file);
  }
});

test('the published README: every js block runs against the installed package and type-checks', async () => {
  const blocks = codeBlocks(REPO_ROOT).filter(
    (b) => b.source === 'docs/package.md' && RUNNABLE.has(b.lang),
  );
  assert.ok(blocks.length >= 1);
  const readme = fs.readFileSync(path.join(installed, 'README.md'), 'utf8');
  for (const b of blocks) {
    assert.ok(readme.includes(b.code), `${b.source}:${b.line} is in the published README verbatim`);
    write(path.join(app, `${b.name}.mjs`), b.code);
    await run(process.execPath, [`${b.name}.mjs`], { cwd: app });
    write(path.join(app, `${b.name}.ts`), b.code);
  }
  makeProject(installed, app); // adds @types/node beside the installed package
  const { ok, output } = typecheck(
    app,
    blocks.map((b) => `${b.name}.ts`),
    { ...STRICT, ...RESOLUTIONS.nodenext, lib: ['es2023'], types: ['node'] },
  );
  assert.ok(ok, output);
});

test('types: strict projects with node16, nodenext and bundler resolution, with and without the DOM lib', () => {
  const dir = makeProject(installed, fs.mkdtempSync(path.join(tmp, 'types-')));
  for (const name of ['node_only.ts', 'usage.ts'])
    fs.copyFileSync(path.join(REPO_ROOT, 'tests/types', name), path.join(dir, name));
  for (const [resolution, options] of Object.entries(RESOLUTIONS)) {
    const node = typecheck(
      dir,
      ['node_only.ts'],
      { ...STRICT, ...options, lib: ['es2023'], types: ['node'] },
      `tsconfig.${resolution}.json`,
    );
    assert.ok(node.ok, `${resolution}, no DOM:\n${node.output}`);
    const dom = typecheck(
      dir,
      ['node_only.ts', 'usage.ts'],
      { ...STRICT, ...options, lib: ['es2023', 'dom'], types: ['node'] },
      `tsconfig.${resolution}.dom.json`,
    );
    assert.ok(dom.ok, `${resolution}, DOM:\n${dom.output}`);
  }
});

/** Loads per consumer; the figures are their medians (a shared 2-core machine is noisy). */
const LOADS = Number(process.env.HOOKCAST_PACKAGE_LOADS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Renders `url` LOADS times, each in a fresh browser context (cold cache), and records the medians. */
async function renderIn(name, url) {
  const loads = [];
  for (let i = 0; i < LOADS; i++) loads.push(await loadOnce(name, url));
  assert.ok(
    loads.every((l) => l.wasm === loads[0].wasm),
    `${name}: the same loading path every time`,
  );
  figures[name] = {
    wasm: loads[0].wasm,
    firstRenderMs: median(loads.map((l) => l.ms)),
    bytes: median(loads.map((l) => l.bytes)),
    requests: loads[0].requests,
  };
}

/**
 * Opens `url` in a fresh Chromium context and waits for the render; returns
 * when it rendered, what it downloaded and whether the .wasm file or the
 * inlined copy was used.
 */
async function loadOnce(name, url) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors = [];
  const responses = [];
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('requestfinished', async (request) => {
    const response = await request.response();
    responses.push({
      url: request.url(),
      status: response?.status(),
      type: response?.headers()['content-type'] ?? '',
      sizes: request.sizes(),
    });
  });
  try {
    await tab.goto(url);
    await tab.waitForFunction(
      () => document.body.dataset.result || document.body.dataset.error,
      null,
      { timeout: 60_000 },
    );
    const { result, error, ms } = await tab.evaluate(() => ({ ...document.body.dataset }));
    assert.equal(error, undefined, `${name}: ${error}`);
    assert.deepEqual(JSON.parse(result), EXPECTED, name);
    const sized = await Promise.all(
      responses.map(async (r) => ({ ...r, bytes: (await r.sizes).responseBodySize })),
    );
    const wasmFile = sized.some(
      (r) =>
        /\.wasm(\?|$)/.test(r.url) && r.status === 200 && r.type.startsWith('application/wasm'),
    );
    // A missing .wasm (404) is the one error a fallback may log; nothing else.
    const unexpected = errors.filter(
      (e) => !/Failed to load resource: the server responded with a status of 404/.test(e),
    );
    assert.deepEqual(unexpected, [], name);
    return {
      wasm: wasmFile ? 'file' : 'inlined',
      ms: Math.round(Number(ms)),
      bytes: sized.reduce((n, r) => n + (r.bytes > 0 ? r.bytes : 0), 0),
      requests: sized.length,
    };
  } finally {
    await context.close();
  }
}

async function serve(root, name) {
  const server = await startStaticServer({ root });
  try {
    await renderIn(name, `${server.origin}/`);
  } finally {
    await server.close();
  }
}

test('browser: <script type=module> with an import map, no bundler', async () => {
  write(
    path.join(app, 'index-importmap.html'),
    page(`<script type="importmap">{"imports": {"hookcast": "./node_modules/hookcast/src/js/browser.js"}}</script>
<script type="module" src="./src/main.js"></script>`),
  );
  const dir = path.join(app, 'out-importmap');
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(app, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.cpSync(installed, path.join(dir, 'node_modules/hookcast'), { recursive: true });
  fs.copyFileSync(path.join(app, 'index-importmap.html'), path.join(dir, 'index.html'));
  await serve(dir, 'import map');
});

test('browser: esbuild --bundle (default options: an IIFE for the browser)', async () => {
  const esbuild = await import('esbuild');
  const dir = path.join(app, 'out-esbuild');
  await esbuild.build({
    entryPoints: [path.join(app, 'src/main.js')],
    bundle: true,
    outdir: dir,
    logLevel: 'silent',
  });
  write(path.join(dir, 'index.html'), page('<script src="./main.js"></script>'));
  await serve(dir, 'esbuild');
});

test('browser: Vite build (no config file)', async () => {
  const vite = await import('vite');
  write(path.join(app, 'index.html'), page('<script type="module" src="/src/main.js"></script>'));
  const dir = path.join(app, 'out-vite');
  await vite.build({
    root: app,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: dir, emptyOutDir: true },
  });
  await serve(dir, 'vite build');
  // The same build without its .wasm: the choice the entry makes, measured
  // on one bundle (separate file, streamed, vs the inlined copy after a 404).
  const assets = path.join(dir, 'assets');
  for (const f of fs.readdirSync(assets).filter((n) => n.endsWith('.wasm')))
    fs.rmSync(path.join(assets, f));
  await serve(dir, 'vite build, .wasm removed');
  assert.equal(figures['vite build, .wasm removed'].wasm, 'inlined');
  assert.equal(figures['vite build'].wasm, 'file');
});

async function viteDev(vite, root, name) {
  write(path.join(root, 'index.html'), page('<script type="module" src="/src/main.js"></script>'));
  const server = await vite.createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0 },
  });
  await server.listen();
  try {
    const address = server.httpServer.address();
    await renderIn(name, `http://127.0.0.1:${address.port}/`);
  } finally {
    await server.close();
  }
}

test('browser: Vite dev server (no config file)', async () => {
  await viteDev(await import('vite'), app, 'vite dev');
});

// Other Vite majors, installed from the registry into projects of their own
// when asked: HOOKCAST_VITE_VERSIONS=5,8 npm run test:package (the default
// run stays off the network).
for (const major of (process.env.HOOKCAST_VITE_VERSIONS ?? '').split(',').filter(Boolean)) {
  test(`browser: Vite ${major} build and dev server (no config file)`, async () => {
    const root = path.join(tmp, `vite${major}`);
    write(
      path.join(root, 'package.json'),
      JSON.stringify({ name: `vite${major}-app`, private: true, type: 'module' }),
    );
    fs.cpSync(path.join(app, 'src'), path.join(root, 'src'), { recursive: true });
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', `vite@${major}`, tarball.path],
      { cwd: root, timeout: 300_000 },
    );
    const manifest = JSON.parse(
      fs.readFileSync(path.join(root, 'node_modules/vite/package.json'), 'utf8'),
    );
    // exports['.'] is the ESM file itself (Vite 8) or { import: file | { default } } (Vite 5).
    const dot = manifest.exports['.'];
    const entry =
      typeof dot === 'string'
        ? dot
        : typeof dot.import === 'string'
          ? dot.import
          : dot.import.default;
    const vite = await import(pathToFileURL(path.join(root, 'node_modules/vite', entry)).href);
    write(
      path.join(root, 'index.html'),
      page('<script type="module" src="/src/main.js"></script>'),
    );
    const dir = path.join(root, 'out');
    await vite.build({
      root,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: dir, emptyOutDir: true },
    });
    await serve(dir, `vite ${manifest.version} build`);
    await viteDev(vite, root, `vite ${manifest.version} dev`);
  });
}

test('browser: webpack 5 (production mode, no config file)', async () => {
  const { default: webpack } = await import('webpack');
  const dir = path.join(app, 'out-webpack');
  const stats = await new Promise((resolve, reject) => {
    webpack(
      { mode: 'production', context: app, entry: './src/main.js', output: { path: dir } },
      (error, s) => (error ? reject(error) : resolve(s)),
    );
  });
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  write(path.join(dir, 'index.html'), page('<script src="./main.js"></script>'));
  await serve(dir, 'webpack');
});

test('browser: Rollup with @rollup/plugin-node-resolve (how Rollup reads any npm package)', async () => {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const dir = path.join(app, 'out-rollup');
  const bundle = await rollup({
    input: path.join(app, 'src/main.js'),
    plugins: [nodeResolve()],
    onwarn: () => {},
  });
  await bundle.write({ dir, format: 'es' });
  await bundle.close();
  write(path.join(dir, 'index.html'), page('<script type="module" src="./main.js"></script>'));
  await serve(dir, 'rollup');
});

test('workerd: wrangler bundles a Worker that imports hookcast (no config beyond main), miniflare runs it', async () => {
  const worker = path.join(app, 'worker');
  write(
    path.join(worker, 'wrangler.jsonc'),
    JSON.stringify({
      name: 'consumer-worker',
      main: 'worker.js',
      compatibility_date: '2025-05-05',
    }),
  );
  write(
    path.join(worker, 'worker.js'),
    `import { createEngine } from 'hookcast';\n\nexport default {\n  async fetch() {\n    const engine = await createEngine();\n    return Response.json(engine.render(${JSON.stringify(SPEC)}, ${JSON.stringify(CONTEXT)}));\n  },\n};\n`,
  );
  const out = path.join(worker, 'out');
  const wrangler = path.join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');
  await run(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', out], {
    cwd: worker,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      CI: '1',
      WRANGLER_LOG_PATH: out,
    },
    timeout: 120_000,
  });
  const files = fs.readdirSync(out);
  assert.ok(
    files.some((f) => f.endsWith('hookcast.wasm')),
    files.join(', '),
  );
  const bundle = fs.readFileSync(path.join(out, 'worker.js'), 'utf8');
  assert.doesNotMatch(bundle, /AGFzbQ/, 'the inlined base64 copy stays out of a Worker');
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(out, 'worker.js'),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-05-05',
  });
  try {
    const response = await mf.dispatchFetch('http://127.0.0.1/');
    assert.deepEqual(await response.json(), EXPECTED);
  } finally {
    await mf.dispose();
  }
});

test("browser: the README's line for taking the file with esbuild (copied .wasm, wasmModule)", async () => {
  const [block] = codeBlocks(REPO_ROOT).filter(
    (b) => b.source === 'docs/package.md' && b.lang === BROWSER,
  );
  assert.ok(block, 'docs/package.md has a js browser block');
  const esbuild = await import('esbuild');
  const dir = path.join(app, 'out-esbuild-file');
  // The block verbatim, then the render this suite checks everywhere.
  const probe =
    `${block.code}\nconst result = engine.render(${JSON.stringify(SPEC)}, ${JSON.stringify(CONTEXT)});\n` +
    'document.body.dataset.ms = String(performance.now());\ndocument.body.dataset.result = JSON.stringify(result);\n';
  write(path.join(app, 'src/readme_browser.js'), probe);
  // --bundle --splitting --format=esm, as the README says: the inlined copy becomes a chunk never fetched.
  await esbuild.build({
    entryPoints: [path.join(app, 'src/readme_browser.js')],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: dir,
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(installed, 'dist/hookcast.wasm'), path.join(dir, 'hookcast.wasm'));
  write(
    path.join(dir, 'index.html'),
    page('<script type="module" src="./readme_browser.js"></script>'),
  );
  await serve(dir, 'esbuild, .wasm copied');
  assert.equal(figures['esbuild, .wasm copied'].wasm, 'file');
  const wasmBytes = fs.statSync(path.join(dir, 'hookcast.wasm')).size;
  const inlinedBytes = fs.statSync(path.join(installed, 'dist/hookcast.wasm.base64.js')).size;
  assert.ok(
    figures['esbuild, .wasm copied'].bytes < wasmBytes + inlinedBytes / 2,
    'the inlined copy was not downloaded',
  );
});
