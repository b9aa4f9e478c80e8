// The console's sign-in across tabs, through the real worker in workerd: the
// key exchanged for an HttpOnly, SameSite=Strict cookie; the cookie signs in
// reads from anywhere it is sent, changes only with this origin's Origin;
// a forged, expired or signed-out cookie is refused; a new key ends it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEdge, API_KEY } from './edge_helpers.mjs';

const ORIGIN = 'http://hookcast.test';
let edge;
before(async () => {
  edge = await startEdge();
});
after(async () => edge?.close());

/** A call with no key: only `cookie` and `origin` (when given). */
function asBrowser(method, path, { cookie, origin, body } = {}) {
  const headers = { authorization: null };
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  return edge.api(method, path, body, { headers });
}

async function signIn() {
  const r = await edge.api('POST', '/v1/session');
  assert.equal(r.status, 200, r.text);
  const set = r.headers.get('set-cookie');
  return { set, cookie: set.split(';')[0], expiresAt: r.json.expiresAt };
}

describe('session cookie', () => {
  it('is made from the key, HttpOnly and SameSite=Strict, and never carries the key', async () => {
    const { set, cookie, expiresAt } = await signIn();
    assert.match(
      set,
      /^hookcast_session=\d+\.[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    assert.equal(set.includes(API_KEY), false);
    assert.ok(Date.parse(expiresAt) > Date.now());
    const who = await asBrowser('GET', '/v1/session', { cookie });
    assert.equal(who.status, 200);
    assert.equal(who.json.expiresAt, expiresAt);
    // Without the key, no session is made (a cookie cannot renew itself).
    assert.equal((await asBrowser('POST', '/v1/session', { cookie, origin: ORIGIN })).status, 401);
    assert.equal((await asBrowser('POST', '/v1/session')).status, 401);
  });

  it('reads with the cookie alone; changes only from this origin', async () => {
    const { cookie } = await signIn();
    assert.equal((await asBrowser('GET', '/v1/campaigns', { cookie })).status, 200);
    const body = { title: 'from the console' };
    const fromHere = await asBrowser('POST', '/v1/campaigns', { cookie, origin: ORIGIN, body });
    assert.equal(fromHere.status, 201, fromHere.text);
    for (const origin of ['http://evil.example', 'null', undefined]) {
      const r = await asBrowser('POST', '/v1/campaigns', { cookie, origin, body });
      assert.equal(r.status, 403, `Origin ${origin}`);
      assert.equal(r.json.error.code, 'cross_origin');
    }
    const list = await edge.api('GET', '/v1/campaigns');
    assert.equal(
      list.json.campaigns.filter((c) => c.title === 'from the console').length,
      1,
      'the refused calls stored nothing',
    );
    // The key itself needs no Origin (servers call the API).
    assert.equal((await edge.api('POST', '/v1/campaigns', { title: 'from a server' })).status, 201);
  });

  it('refuses a forged, tampered or expired cookie', async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split('=');
    const [expiry, mac] = value.split('.');
    const forged = [
      `${name}=${Number(expiry) + 1000}.${mac}`, // a later expiry with the old MAC
      `${name}=${expiry}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`,
      `${name}=${Date.now() - 1000}.${mac}`,
      `${name}=garbage`,
      `other=${value}`,
    ];
    for (const c of forged)
      assert.equal((await asBrowser('GET', '/v1/campaigns', { cookie: c })).status, 401, c);
  });

  it('signing out clears the cookie; a new key ends every session', async () => {
    const { cookie } = await signIn();
    const out = await asBrowser('DELETE', '/v1/session', { cookie, origin: ORIGIN });
    assert.equal(out.status, 200);
    assert.match(
      out.headers.get('set-cookie'),
      /^hookcast_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
    await edge.close();
    edge = await startEdge({ apiKey: 'another-key-0123456789abcdef' });
    assert.equal(
      (await asBrowser('GET', '/v1/campaigns', { cookie })).status,
      401,
      'signed with the old key',
    );
  });
});
