// The hookcast CLI, spawned as a user runs it: exit codes 0 (ok), 1 (problems),
// 2 (usage errors), and what it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { after } from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/hookcast.mjs', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'hookcast-cli-'));
after(() => rm(dir, { recursive: true, force: true }));

function hookcast(...args) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? error.code : 0, stdout, stderr });
      },
    );
  });
}

async function file(name, content) {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const SPEC = {
  url: 'https://hooks.example.com/u/{{ user.id }}',
  method: 'POST',
  params: [{ key: 'src', value: '{{ event.key | default: "api" }}' }],
  headers: [{ key: 'X-Name', value: '{{ user.name | default: "there" }}' }],
  body: '{"name": "{{ user.name }}", "age": {{ user.age }}}',
};
const good = await file('good.json', SPEC);
const wrapped = await file('campaign.json', { title: 'Spring', webhook: SPEC });
const bad = await file('bad.json', { ...SPEC, url: 'http://hooks.example.com/', method: 'HEAD' });
const local = await file('local.json', { ...SPEC, url: 'http://127.0.0.1:8080/hook' });
const user = await file('user.json', { id: 'u-42', properties: { name: "Zoë O'Brien", age: 36 } });
const event = await file('event.json', { key: 'purchase', properties: {} });
const injecting = await file('injecting.json', { id: 'u', properties: { name: 'a\r\nX-Evil: 1' } });
const broken = await file(
  'broken.json',
  '{\n  "url": "https://x.example.com",\n  "method": POST\n}\n',
);

test('cli: --help and --version exit 0', async () => {
  const help = await hookcast('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /hookcast validate <campaign\.json>/);
  assert.match(help.stdout, /hookcast preview/);
  const version = await hookcast('--version');
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('cli: validate a good spec (bare or under "webhook") exits 0', async () => {
  for (const path of [good, wrapped]) {
    const r = await hookcast('validate', path);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok/);
  }
});

test('cli: validate a bad spec prints field: message [code] and exits 1', async () => {
  const r = await hookcast('validate', bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^url: .+ \[https_required\]$/m);
  assert.match(r.stderr, /^method: .+ \[[a-z_]+\]$/m);
  assert.equal(r.stdout, '');
});

test('cli: --allow-local-http admits loopback http', async () => {
  assert.equal((await hookcast('validate', local)).code, 1);
  const r = await hookcast('validate', local, '--allow-local-http');
  assert.equal(r.code, 0, r.stderr);
});

test('cli: preview prints one curl command by default', async () => {
  const r = await hookcast('preview', good, '--user', user, '--event', event);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^curl /);
  assert.match(r.stdout, /hooks\.example\.com\/u\/u-42/);
  assert.ok(r.stdout.includes('purchase'));
  // One command: any line break is a quoted continuation ("\" at line end).
  assert.ok(
    r.stdout
      .trimEnd()
      .split('\n')
      .slice(0, -1)
      .every((line) => line.endsWith(' \\')),
    r.stdout,
  );
});

test('cli: preview --format json is the render result', async () => {
  const r = await hookcast('preview', wrapped, '--user', user, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.ok, true);
  assert.equal(result.request.method, 'POST');
  assert.deepEqual(JSON.parse(result.request.body), { name: "Zoë O'Brien", age: 36 });
  assert.ok(result.request.url.includes('src=api'), result.request.url);
});

test('cli: preview --format table shows sections', async () => {
  const r = await hookcast('preview', good, '--user', user, '--format', 'table');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^request\s+\S+\s+POST$/m);
  assert.match(r.stdout, /^headers\s+X-Name\s+Zoë O'Brien$/m);
  assert.match(r.stdout, /^body\s/m);
});

test('cli: a render refused for user data exits 1 with the problem', async () => {
  const r = await hookcast('preview', good, '--user', injecting);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[header_injection\]/);
  assert.equal(r.stdout, '');
});

test('cli: usage errors exit 2 and say what is wrong', async () => {
  const cases = [
    [[], /missing command/],
    [['frobnicate', good], /unknown command "frobnicate"/],
    [['validate'], /missing <campaign\.json>/],
    [['validate', good, '--bogus'], /--bogus/],
    [['validate', join(dir, 'nope.json')], /cannot read .*nope\.json: no such file/],
    [['preview', good], /missing --user/],
    [['preview', good, '--user', user, '--format', 'xml'], /--format must be curl, table or json/],
    [['preview', good, '--user', join(dir, 'ghost.json')], /ghost\.json: no such file/],
    [['validate', good, 'extra'], /unexpected argument "extra"/],
    [['validate', good, '--user', user], /--user only applies to preview/],
  ];
  for (const [args, message] of cases) {
    const r = await hookcast(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('cli: bad JSON names the file, line and column', async () => {
  const r = await hookcast('validate', broken);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken\.json:3:13: invalid JSON/);
  const truncated = await file('truncated.json', '{"url": "https://x.example.com",');
  const t = await hookcast('preview', good, '--user', truncated);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /truncated\.json:1:33: invalid JSON/);
});

// Standard input as "-": the spec, the user or the event (one of them).
function hookcastWithInput(input, ...args) {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? error.code : 0, stdout, stderr });
      },
    );
    child.stdin.end(input);
  });
}

test('cli: "-" reads the spec, the user or the event from standard input', async () => {
  const v = await hookcastWithInput(JSON.stringify(SPEC), 'validate', '-');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, '<stdin>: ok\n');
  const fromFile = await hookcast('preview', good, '--user', user, '--event', event);
  for (const args of [
    ['preview', '-', '--user', user, '--event', event],
    ['preview', good, '--user', '-', '--event', event],
  ]) {
    const input =
      args[1] === '-'
        ? JSON.stringify(SPEC)
        : JSON.stringify({ id: 'u-42', properties: { name: "Zoë O'Brien", age: 36 } });
    const r = await hookcastWithInput(input, ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fromFile.stdout, args.join(' '));
  }
  const e = await hookcastWithInput(
    '{"key": "purchase"}',
    'preview',
    good,
    '--user',
    user,
    '--event',
    '-',
  );
  assert.equal(e.stdout, fromFile.stdout);
  const broken = await hookcastWithInput('{\n  "url": x\n}', 'validate', '-');
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /<stdin>:2:10: invalid JSON/);
  const twice = await hookcastWithInput('{}', 'preview', '-', '--user', '-');
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /only one of .* can be "-"/);
});

test("cli: preview prints the spec warnings validate prints (regression: it printed only the render's)", async () => {
  const warned = await file('warned.json', {
    ...SPEC,
    method: 'post',
    url: 'https://hooks.example.com/u/{{ user.id }}#top',
  });
  const v = await hookcast('validate', warned);
  assert.equal(v.code, 0, v.stderr);
  const specWarnings = v.stderr.split('\n').filter(Boolean);
  assert.ok(
    specWarnings.some((l) => l.includes('[method_normalized]')) &&
      specWarnings.some((l) => l.includes('[fragment_ignored]')),
    v.stderr,
  );
  for (const format of ['curl', 'table', 'json']) {
    const p = await hookcast('preview', warned, '--user', user, '--format', format);
    assert.equal(p.code, 0, p.stderr);
    const lines = p.stderr.split('\n').filter(Boolean);
    for (const w of specWarnings)
      assert.ok(lines.includes(w), `${format}: ${w} missing from\n${p.stderr}`);
    if (format === 'json') {
      const codes = JSON.parse(p.stdout).warnings.map((w) => w.code);
      assert.ok(
        codes.includes('method_normalized') && codes.includes('fragment_ignored'),
        codes.join(),
      );
    }
  }
});
