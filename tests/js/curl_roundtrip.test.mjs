// The gold test of the cURL preview: render hostile specs, run the exact
// toCurl() command with bash and the real curl against a local HTTPS server on
// 127.0.0.1 (self-signed certificate made here), and check the server got
// exactly the rendered method, path and query, header bytes and body bytes,
// and that nothing in the data ran as shell code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { after } from 'node:test';

import { createEngine } from 'hookcast';

const run = promisify(execFile);
const engine = await createEngine();
const dir = await mkdtemp(join(tmpdir(), 'hookcast-curl-'));
const certPath = join(dir, 'cert.pem');
const keyPath = join(dir, 'key.pem');
await run('openssl', [
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-keyout',
  keyPath,
  '-out',
  certPath,
  '-days',
  '1',
  '-subj',
  '/CN=127.0.0.1',
  '-addext',
  'subjectAltName=IP:127.0.0.1',
]);

let received;
const server = createServer(
  { key: await readFile(keyPath), cert: await readFile(certPath) },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received = {
        method: req.method,
        target: req.url,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      res.writeHead(204).end();
    });
  },
);
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `https://127.0.0.1:${server.address().port}`;
after(async () => {
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

// A clean environment: no proxy may carry the request off the machine, and
// no ~/.curlrc may change what curl sends.
const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8' };
const PWNED = join(dir, 'pwned');

async function sendWithCurl(request) {
  const command = engine.toCurl(request);
  // One curl command, or (for a body over the 128 KiB exec-argument limit)
  // printf piping the body into it.
  const at = command.startsWith('curl ') ? 0 : command.lastIndexOf("' |\ncurl ") + 4;
  assert.ok(
    at === 0 || (command.startsWith("printf '%s' '") && at > 4),
    'toCurl output is curl, or printf | curl',
  );
  // Trust the test certificate: inserted right after "curl", before any
  // argument of the generated command.
  const withCert = `${command.slice(0, at)}curl --cacert '${certPath}' ${command.slice(at + 'curl '.length)}`;
  received = undefined;
  // Run as a script file, as a pasted command runs: a `bash -c` argument
  // would itself hit the kernel's 128 KiB limit for large bodies.
  const script = join(dir, 'command.sh');
  await writeFile(script, withCert);
  await run('bash', [script], { env, cwd: dir, timeout: 30_000 });
  assert.ok(received, `the server got nothing for: ${command}`);
  return { command, received };
}

function assertSentExactly(request, command, got) {
  const where = `\ncommand: ${command}`;
  assert.equal(got.method, request.method, `method${where}`);
  const target = request.url.slice(origin.length);
  assert.ok(request.url.startsWith(origin), `url ${request.url} is on ${origin}`);
  assert.equal(got.target, target === '' ? '/' : target, `path and query${where}`);

  const pairs = [];
  for (let i = 0; i < got.rawHeaders.length; i += 2)
    pairs.push([got.rawHeaders[i], got.rawHeaders[i + 1]]);
  const extra = new Set(['host', 'content-length']);
  const sent = pairs.filter(([k]) => !extra.has(k.toLowerCase()));
  // Node decodes header bytes as latin1: compare raw bytes with the UTF-8 of the rendered value.
  const bytes = (s, enc) => Buffer.from(s, enc).toString('hex');
  assert.deepEqual(
    sent.map(([k, v]) => [k.toLowerCase(), bytes(v, 'latin1')]),
    request.headers.map(([k, v]) => [k.toLowerCase(), bytes(v, 'utf8')]),
    `headers (no more, no fewer, same bytes, same order)${where}`,
  );
  assert.equal(
    got.body.toString('hex'),
    Buffer.from(request.body ?? '', 'utf8').toString('hex'),
    `body bytes${where}`,
  );
  assert.equal(existsSync(PWNED), false, `user data ran as shell code${where}`);
}

const HOSTILE = [
  `"double" and 'single' quotes`,
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `; touch ${PWNED}; #`,
  `| touch ${PWNED}`,
  `!! !$ !-1 \${PATH} $HOME`,
  `Zoë — 日本語 🎉`,
  `back\\slash \\' \\"`,
  `%s %n %x {} [] * ? ~`,
  `-H X-Evil: 1 --data @/etc/passwd`,
  `@/etc/hostname`,
  `  leading and trailing spaces  `,
  `tab\there`,
];

const SPEC = (method, body) => ({
  url: `${origin}/hook/{{ user.id }}/x?fixed=a%20b&q={{ user.q }}`,
  method,
  params: [
    { key: 'p', value: '{{ user.p }}' },
    { key: '{{ user.k }}', value: 'v' },
  ],
  headers: [
    { key: 'X-Value', value: '{{ user.v }}' },
    { key: 'X-Mixed', value: 'pre {{ user.v }} post' },
    { key: 'X-Empty', value: '{{ user.empty }}' },
    { key: 'Authorization', value: 'Bearer {{ user.token | default: "t0k3n" }}' },
  ],
  ...(body === undefined ? {} : { body }),
});

const BODY =
  '{\n  "v": "{{ user.v }}",\n  "n": {{ user.n }},\n  "whole": {{ user.v }},\n  "list": ["{{ user.q }}", {{ user.n }}]\n}';

for (const [i, value] of HOSTILE.entries()) {
  for (const method of ['POST', 'GET']) {
    test(`curl round trip: ${method} with ${JSON.stringify(value)}`, async () => {
      const context = {
        user: {
          id: value,
          properties: { v: value, q: value, p: value, k: `k${i}${value}`, empty: '', n: i * 1.5 },
        },
      };
      const r = engine.render(SPEC(method, method === 'GET' ? undefined : BODY), context, {
        allowLocalHttp: true,
      });
      assert.ok(r.ok, JSON.stringify(r.problems));
      const { command, received: got } = await sendWithCurl(r.request);
      assertSentExactly(r.request, command, got);
      if (method === 'POST') assert.equal(JSON.parse(got.body.toString('utf8')).v, value);
    });
  }
}

for (const method of ['PUT', 'PATCH', 'DELETE']) {
  test(`curl round trip: ${method} keeps its method and body`, async () => {
    const r = engine.render(
      SPEC(method, BODY),
      { user: { id: 'u', properties: { v: 'x', n: 1 } } },
      { allowLocalHttp: true },
    );
    assert.ok(r.ok, JSON.stringify(r.problems));
    const { command, received: got } = await sendWithCurl(r.request);
    assertSentExactly(r.request, command, got);
  });
}

// toCurl takes any request, not only rendered ones: bodies curl would read
// as a file name (@...), raw CR/LF, URLs curl would glob.
const RAW = [
  ['a body starting with @', { body: '@/etc/hostname' }],
  ['a body of only @', { body: '@' }],
  ['a body with CR, LF and a trailing newline', { body: 'line 1\r\nline 2\n' }],
  ['an empty body', { body: '' }],
  ['a body with quotes and $()', { body: `{"a": "$(touch ${PWNED})", "b": '\`x\`'}` }],
  ['a URL curl would glob', { path: '/g[1-2]/{a,b}?q=[x]&r={y,z}' }],
  // Over Linux's 128 KiB limit for one exec argument: piped in through printf.
  [
    'a 250 KiB body with quotes and newlines',
    { body: `{"big": "${"it's $(x) `q`\n".repeat((256 * 1024) / 16 - 500)}"}` },
  ],
  ['a body of exactly 128 KiB - 1 bytes', { body: `"${'a'.repeat(128 * 1024 - 3)}"` }],
];
for (const [name, { body = null, path = '/raw' }] of RAW) {
  test(`curl round trip: toCurl of ${name}`, async () => {
    const request = {
      method: 'POST',
      url: `${origin}${path}`,
      headers: [
        ['Content-Type', 'application/json'],
        ['X-A', 'b'],
      ],
      body,
    };
    const { command, received: got } = await sendWithCurl(request);
    assertSentExactly(request, command, got);
  });
}
