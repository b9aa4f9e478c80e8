// The SSRF guard at send time, in the real worker.
// * Loopback in every spelling with HOOKCAST_ALLOW_LOCAL_HTTP off: refused,
//   and real loopback sinks (v4 and v6) accept no connection at all.
// * Private, link-local, CGNAT, metadata addresses: refused with the setting
//   off AND on (it opens loopback only). These run with the worker's outbound
//   fetch replaced by a trap that records every call: no packet can leave,
//   and the trap must stay untouched.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startSink, startEdge, postSpec } from './edge_helpers.mjs';

let off; // setting off, real network (loopback sinks only)
let offTrapped; // setting off, outbound trapped
let onTrapped; // setting on, outbound trapped
let v4;
let v6;
const trapHits = [];
const trap = async (request) => {
  trapHits.push(request.url);
  return new Response('the SSRF trap was reached', { status: 599 });
};

before(async () => {
  [off, offTrapped, onTrapped, v4, v6] = await Promise.all([
    startEdge({ allowLocalHttp: false }),
    startEdge({ allowLocalHttp: false, outbound: trap }),
    startEdge({ allowLocalHttp: true, outbound: trap }),
    startSink((req, res) => res.end('leaked')),
    startSink((req, res) => res.end('leaked'), { host: '::1' }),
  ]);
});
after(async () => {
  await Promise.all([off, offTrapped, onTrapped, v4, v6].map((x) => x?.close()));
});

const codes = (res) => (res.json?.problems ?? []).map((p) => p.code);

/** Tries a URL on every sending route and on preview; all must refuse it. */
async function assertRefused(edge, url, expectCode) {
  const spec = postSpec(url);
  const send = await edge.api('POST', '/v1/test-send', { spec, context: {} });
  assert.equal(send.status, 400, `test-send ${url}: ${send.text}`);
  const many = await edge.api('POST', '/v1/deliveries?wait=1', { spec, contexts: [{}, {}] });
  assert.equal(many.status, 400, `deliveries ${url}: ${many.text}`);
  const prev = await edge.api('POST', '/v1/preview', { spec, context: {} });
  assert.equal(prev.status, 200);
  assert.equal(prev.json.ok, false, `preview ${url}`);
  for (const res of [send, many, prev]) {
    if (expectCode)
      assert.ok(codes(res).includes(expectCode), `${url}: ${JSON.stringify(codes(res))}`);
    assert.ok(
      res.json.problems.every((p) => typeof p.message === 'string' && p.message.length > 0),
    );
  }
}

describe('loopback with HOOKCAST_ALLOW_LOCAL_HTTP off', { concurrency: true }, () => {
  const spellings = (p4, p6) => [
    `127.0.0.1:${p4}`,
    `127.1:${p4}`,
    `2130706433:${p4}`,
    `0x7f.0.0.1:${p4}`,
    `0177.0.0.1:${p4}`,
    `127.000.000.001:${p4}`,
    `localhost:${p4}`,
    `LOCALHOST.:${p4}`,
    `[::1]:${p6}`,
    `[0:0:0:0:0:0:0:1]:${p6}`,
    `[::ffff:127.0.0.1]:${p4}`,
  ];
  it('refuses https:// to every spelling of loopback as private_address', async () => {
    await Promise.all(
      spellings(v4.port, v6.port).map((h) =>
        assertRefused(off, `https://${h}/hook`, 'private_address'),
      ),
    );
  });
  it('refuses http:// to every spelling of loopback', async () => {
    await Promise.all(
      spellings(v4.port, v6.port).map((h) => assertRefused(off, `http://${h}/hook`)),
    );
  });
  it('no connection reached the loopback sinks', () => {
    assert.equal(v4.connections, 0);
    assert.equal(v6.connections, 0);
  });
});

const PRIVATE = [
  '10.0.0.1',
  '10.255.255.254:8443',
  '172.16.0.1',
  '192.168.1.1',
  '169.254.169.254',
  '169.254.169.254/latest/meta-data/iam',
  '[fd00:ec2::254]',
  '[fc00::1]',
  '[fe80::1]',
  '100.64.0.1',
  '0.0.0.0',
  '167772161', // 10.0.0.1 in decimal
  '0xa9fea9fe', // 169.254.169.254 in hex
  '0xc0.0xa8.1.1', // 192.168.1.1 in hex parts
  '[::ffff:10.0.0.1]',
  '[::ffff:a9fe:a9fe]', // 169.254.169.254, IPv4-mapped in hex
];

describe('private, link-local and metadata addresses', { concurrency: true }, () => {
  it('are refused with the setting off', async () => {
    await Promise.all(
      PRIVATE.map((h) => assertRefused(offTrapped, `https://${h}/`, 'private_address')),
    );
    await Promise.all(PRIVATE.map((h) => assertRefused(offTrapped, `http://${h}/`)));
  });
  it('are refused with the setting on (it opens loopback only)', async () => {
    await Promise.all(
      PRIVATE.map((h) => assertRefused(onTrapped, `https://${h}/`, 'private_address')),
    );
    await Promise.all(PRIVATE.map((h) => assertRefused(onTrapped, `http://${h}/`)));
  });
});

// Regression: allowLocalHttp accepted IPv6 forms that embed 127.0.0.1 and
// route off-host (6to4, NAT64) or depend on the socket's dual-stack setting.
const EMBEDDED_LOOPBACK = [
  '[2002:7f00:1::]',
  '[64:ff9b::7f00:1]',
  '[::ffff:0:7f00:1]',
  '[::127.0.0.1]',
  '[::ffff:127.0.0.1]',
];

describe(
  'IPv6 forms embedding 127.0.0.1 with HOOKCAST_ALLOW_LOCAL_HTTP on',
  { concurrency: true },
  () => {
    it('are refused as private_address over http and https', async () => {
      await Promise.all(
        EMBEDDED_LOOPBACK.map((h) =>
          assertRefused(onTrapped, `http://${h}:${v4.port}/`, 'private_address'),
        ),
      );
      await Promise.all(
        EMBEDDED_LOOPBACK.map((h) => assertRefused(onTrapped, `https://${h}/`, 'private_address')),
      );
    });
  },
);

describe('the trap', () => {
  it('was never called by a refused destination, and a permitted send cannot leave either', async () => {
    assert.deepEqual(trapHits, []);
    // Webhooks go out over sockets (edge/src/delivery/http1.js), which a
    // worker-service outbound like the trap does not carry: with the trap in
    // place even a permitted loopback send reaches nothing, so nothing the
    // guard let through could have left unseen.
    const res = await onTrapped.api('POST', '/v1/test-send', {
      spec: postSpec(`http://127.0.0.1:${v4.port}/ok`),
      context: {},
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.allowLocalHttp, true);
    assert.equal(res.json.outcome.status, null, 'nothing answered');
    assert.ok(res.json.outcome.error, 'the send failed inside the worker');
    assert.equal(v4.connections, 0);
  });
});

// The second wall: workerd itself refuses connections to anything but public
// addresses (plus loopback while HOOKCAST_ALLOW_LOCAL_HTTP=1), whatever the
// worker's code does. A test-only route calls fetch() directly, past the
// engine's check; the loopback sinks must see no connection while the
// setting is off, and the same fetch must reach them while it is on (so the
// refusal is the policy, not a broken network).
describe("the runtime's outbound wall (workerd network allow list)", () => {
  const rawWorker = fileURLToPath(new URL('./workers/raw_fetch_worker.mjs', import.meta.url));
  let rawOff;
  let rawOn;
  let sink4;
  let sink6;
  before(async () => {
    [rawOff, rawOn, sink4, sink6] = await Promise.all([
      startEdge({ allowLocalHttp: false, scriptPath: rawWorker }),
      startEdge({ allowLocalHttp: true, scriptPath: rawWorker }),
      startSink((req, res) => res.end('reached')),
      startSink((req, res) => res.end('reached'), { host: '::1' }),
    ]);
  });
  after(async () => {
    await Promise.all([rawOff, rawOn, sink4, sink6].map((x) => x?.close()));
  });
  const rawFetch = async (edge, url, route = 'raw-fetch') => {
    const res = await edge.mf.dispatchFetch(`http://hookcast.test/${route}`, {
      method: 'POST',
      body: JSON.stringify({ url }),
    });
    return res.json();
  };

  it('refuses a raw fetch to loopback (v4, v6, localhost) while the setting is off', async () => {
    for (const url of [
      `http://127.0.0.1:${sink4.port}/raw`,
      `http://localhost:${sink4.port}/raw`,
      `http://[::1]:${sink6.port}/raw`,
    ]) {
      const r = await rawFetch(rawOff, url);
      assert.equal(r.ok, false, `${url}: ${JSON.stringify(r)}`);
    }
    assert.equal(sink4.connections, 0);
    assert.equal(sink6.connections, 0);
    assert.equal(sink4.hits.length, 0);
  });

  it('lets the same raw fetch reach loopback while the setting is on', async () => {
    const r4 = await rawFetch(rawOn, `http://127.0.0.1:${sink4.port}/raw`);
    assert.deepEqual(r4, { ok: true, status: 200 });
    const r6 = await rawFetch(rawOn, `http://[::1]:${sink6.port}/raw`);
    assert.deepEqual(r6, { ok: true, status: 200 });
    assert.equal(sink4.hits.length, 1);
    assert.equal(sink6.hits.length, 1);
  });

  it('refuses the socket client (how webhooks are sent) to loopback while the setting is off, not while on', async () => {
    const [connections4, connections6, hits4, hits6] = [
      sink4.connections,
      sink6.connections,
      sink4.hits.length,
      sink6.hits.length,
    ];
    for (const url of [`http://127.0.0.1:${sink4.port}/raw`, `http://[::1]:${sink6.port}/raw`]) {
      const r = await rawFetch(rawOff, url, 'raw-send');
      assert.equal(r.ok, false, `${url}: ${JSON.stringify(r)}`);
    }
    assert.equal(sink4.connections, connections4, 'no connection while off');
    assert.equal(sink6.connections, connections6, 'no connection while off');
    const r4 = await rawFetch(rawOn, `http://127.0.0.1:${sink4.port}/raw`, 'raw-send');
    assert.deepEqual(r4, { ok: true, status: 200 });
    const r6 = await rawFetch(rawOn, `http://[::1]:${sink6.port}/raw`, 'raw-send');
    assert.deepEqual(r6, { ok: true, status: 200 });
    assert.equal(sink4.hits.length, hits4 + 1);
    assert.equal(sink6.hits.length, hits6 + 1);
  });
});
