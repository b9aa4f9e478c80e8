// Regression tests of the adversarial pass over the campaign surface: one
// bad campaign must not stop a workspace. Each describe is one case of that
// pass: far-future schedules, rules nested too deep, numbers a double cannot
// hold, the cohort-delete / campaign-target race.

import { it, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink, startEdge, postSpec } from './edge_helpers.mjs';

let edge;
let sink;
before(async () => {
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  edge = await startEdge({ allowLocalHttp: true });
});
after(async () => {
  await edge?.close();
  await sink?.close();
});

const api = (...args) => edge.api(...args);
const webhook = () => postSpec(`${sink.origin}/hook/{{ user.id }}`);
const pairsOf = (r) => (r.json?.problems ?? []).map((p) => [p.field, p.code]);

async function create(body) {
  const r = await api('POST', '/v1/campaigns', body);
  assert.equal(r.status, 201, r.text);
  return r.json.campaign;
}

const schedule = (at, timeZone = 'UTC', extra = {}) => ({
  type: 'schedule',
  at,
  timeZone,
  ...extra,
});
const campaignWith = (send) => ({
  title: 'c',
  webhook: webhook(),
  target: { allUsers: true },
  send,
});

describe('a schedule centuries ahead', () => {
  it('is refused at create and PATCH with a located problem, and nothing is stored', async () => {
    const before = (await api('GET', '/v1/campaigns')).json.campaigns.length;
    for (const [at, zone] of [
      ['9999-12-31T23:00', 'UTC'],
      ['2500-01-01T00:00', 'UTC'],
      ['9999-12-31T23:00', 'Pacific/Pago_Pago'],
      ['9999-12-31T23:00', 'Pacific/Kiritimati'],
      ['2100-01-01T00:00', 'UTC'],
    ]) {
      const r = await api('POST', '/v1/campaigns', campaignWith(schedule(at, zone)));
      assert.equal(r.status, 400, `${at} ${zone}: ${r.text}`);
      assert.deepEqual(pairsOf(r), [['send.at', 'out_of_range']], r.text);
    }
    const until = await api(
      'POST',
      '/v1/campaigns',
      campaignWith(
        schedule('2026-12-01T09:00', 'UTC', {
          repeat: { every: 1, unit: 'days', until: '9999-12-31' },
        }),
      ),
    );
    assert.deepEqual(pairsOf(until), [['send.repeat.until', 'out_of_range']], until.text);
    assert.equal(
      (await api('GET', '/v1/campaigns')).json.campaigns.length,
      before,
      'nothing stored',
    );

    const c = await create(campaignWith({ type: 'api' }));
    const patched = await api('PATCH', `/v1/campaigns/${c.key}`, {
      send: schedule('9999-12-31T23:00'),
    });
    assert.equal(patched.status, 400, patched.text);
    assert.deepEqual(pairsOf(patched), [['send.at', 'out_of_range']]);
    assert.deepEqual(
      (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign.send,
      { type: 'api' },
      'a refused PATCH changes nothing',
    );
  });

  it('the farthest schedule accepted starts, and beside it a healthy campaign starts, pauses, resumes and ends', async () => {
    // 2099-12-31T23:59 at UTC-11 is 2100-01-01T10:59Z: the latest instant a schedule can name.
    const far = await create(
      campaignWith(
        schedule('2099-12-31T23:59', 'Pacific/Pago_Pago', {
          repeat: { every: 100000, unit: 'weeks' },
        }),
      ),
    );
    const started = await api('POST', `/v1/campaigns/${far.key}/start`);
    assert.equal(started.status, 200, started.text);
    assert.equal(started.json.campaign.status, 'running');
    assert.equal(started.json.campaign.nextRunAt, '2100-01-01T10:59:00.000Z');

    const event = await create({ ...campaignWith({ type: 'event', event: 'signup' }) });
    const healthy = await create(campaignWith(schedule('2098-06-01T09:00', 'Asia/Seoul')));
    for (const [c, action, status] of [
      [healthy, 'start', 'running'],
      [event, 'start', 'running'],
      [healthy, 'pause', 'paused'],
      [healthy, 'resume', 'running'],
      [event, 'end', 'ended'],
    ]) {
      const r = await api('POST', `/v1/campaigns/${c.key}/${action}`);
      assert.equal(r.status, 200, `${action}: ${r.text}`);
      assert.equal(r.json.campaign.status, status);
    }
    assert.equal((await api('POST', `/v1/campaigns/${far.key}/end`)).status, 200);
    assert.equal((await api('POST', `/v1/campaigns/${healthy.key}/end`)).status, 200);
  });

  it('an event time past 2099 is refused where it stands', async () => {
    const r = await api('POST', '/v1/events', {
      events: [
        { userId: 'u-ok', key: 'k' },
        { userId: 'u-far', key: 'k', at: '9999-12-31T00:00:00Z' },
      ],
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(pairsOf(r), [['events[1].at', 'invalid_time']]);
    assert.equal((await api('GET', '/v1/users/u-ok')).status, 404, 'nothing stored');
  });
});

describe('rules nested too deep', () => {
  it('send.where nested 10,000 deep is rule_too_deep (400), as on the cohort routes', async () => {
    const text = `{"title":"deep","send":{"type":"event","event":"e","where":${'['.repeat(10000)}${']'.repeat(10000)}}}`;
    const r = await api('POST', '/v1/campaigns', text);
    assert.equal(r.status, 400, r.text.slice(0, 300));
    assert.equal(r.json.error.code, 'rule_too_deep');
    assert.match(r.json.problems[0].field, /^send\.where\[0\]/);
    const c = await create({ title: 'ok', send: { type: 'event', event: 'e' } });
    const p = await api('PATCH', `/v1/campaigns/${c.key}`, text.replace('"title":"deep",', ''));
    assert.equal(p.status, 400);
    assert.equal(p.json.error.code, 'rule_too_deep');
    const cohort = await api(
      'POST',
      '/v1/cohorts',
      `{"name":"deep","rule":${'{"not":'.repeat(10000)}{}${'}'.repeat(10000)}}`,
    );
    assert.equal(cohort.status, 400);
    assert.equal(cohort.json.error.code, 'rule_too_deep');
  });

  it('within the body bound, the core answers rule_too_deep at the same field', async () => {
    // 40 nested groups: under the JSON bound, past the cohort reader's 32.
    let rule = { property: 'plan', op: 'exists' };
    for (let i = 0; i < 40; i++) rule = { not: rule };
    const c = await api('POST', '/v1/cohorts', { name: 'deep', rule });
    assert.equal(c.status, 400);
    assert.equal(c.json.error.code, 'rule_too_deep');
  });

  it('any other body nested past 100 levels is too_deep, never a 500', async () => {
    const deep = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const [path, body] of [
      ['/v1/users', `{"users":[{"id":"d","properties":{"x":${deep(5000)}}}]}`],
      [
        '/v1/preview',
        `{"spec":${JSON.stringify(webhook())},"context":{"user":{"properties":{"x":${deep(100000)}}}}}`,
      ],
      ['/v1/campaigns', `{"title":"t","webhook":{"url":${deep(101)}}}`],
    ]) {
      const r = await api('POST', path, body);
      assert.equal(r.status, 400, `${path}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.error.code, 'too_deep', path);
    }
  });
});

describe('numbers a double cannot hold', () => {
  it('1e309 as a property or timeoutMs is refused with a located problem', async () => {
    const prop = await api(
      'POST',
      '/v1/users',
      '{"users":[{"id":"n1","properties":{"big":1e309}}]}',
    );
    assert.equal(prop.status, 400, prop.text);
    assert.deepEqual(pairsOf(prop), [['users[0].properties.big', 'invalid_number']]);
    assert.equal((await api('GET', '/v1/users/n1')).status, 404);
    const timeout = await api('POST', '/v1/campaigns', '{"title":"t","timeoutMs":1e309}');
    assert.equal(timeout.status, 400);
    assert.deepEqual(pairsOf(timeout), [['timeoutMs', 'invalid_number']]);
    const negative = await api(
      'POST',
      '/v1/events',
      '{"events":[{"userId":"n1","key":"k","properties":{"v":[1,-1e400]}}]}',
    );
    assert.deepEqual(pairsOf(negative), [['events[0].properties.v[1]', 'invalid_number']]);
    // The largest double is a number like any other.
    assert.equal(
      (
        await api(
          'POST',
          '/v1/users',
          '{"users":[{"id":"n2","properties":{"big":1.7976931348623157e308}}]}',
        )
      ).status,
      200,
    );
    assert.equal((await api('GET', '/v1/users/n2')).json.properties.big, Number.MAX_VALUE);
  });
});

describe('deleting a cohort while a campaign is created to target it', () => {
  it('200 racing pairs: never both succeed, and no campaign targets a deleted cohort', async () => {
    const PAIRS = 200;
    const cohortIds = [];
    for (let i = 0; i < PAIRS; i++) {
      const r = await api('POST', '/v1/cohorts', {
        name: `race-${i}`,
        rule: { property: 'plan', op: 'exists' },
      });
      assert.equal(r.status, 201, r.text);
      cohortIds.push(r.json.cohort.id);
    }
    const outcomes = { deleted: 0, created: 0 };
    // Ten pairs at a time. The create is sent first and the delete after a
    // pause that differs from pair to pair (0 to 19 ms), so the delete lands
    // at every point of the create's way: before its route looks the cohort
    // up, between that and the write, after the write. Whatever the timing,
    // the assertions below must hold.
    for (let start = 0; start < PAIRS; start += 10) {
      await Promise.all(
        cohortIds.slice(start, start + 10).map(async (id, j) => {
          const make = api('POST', '/v1/campaigns', {
            title: `race ${id}`,
            webhook: webhook(),
            target: { cohort: id },
            send: { type: 'api' },
          });
          await new Promise((resolve) => setTimeout(resolve, (start / 10 + j) % 20));
          const [c, d] = await Promise.all([make, api('DELETE', `/v1/cohorts/${id}`)]);
          if (d.status === 200) {
            outcomes.deleted++;
            assert.equal(
              c.status,
              400,
              `cohort ${id} deleted, yet the campaign was created: ${c.text}`,
            );
            assert.deepEqual(pairsOf(c), [['target.cohort', 'unknown_cohort']]);
          } else {
            outcomes.created++;
            assert.equal(d.status, 409, d.text);
            assert.equal(d.json.error.code, 'cohort_in_use');
            assert.equal(c.status, 201, c.text);
          }
        }),
      );
    }
    assert.equal(outcomes.deleted + outcomes.created, PAIRS);
    console.log(`cohort race: ${outcomes.deleted} deletes won, ${outcomes.created} creates won`);
    const cohorts = new Set((await api('GET', '/v1/cohorts')).json.cohorts.map((c) => c.id));
    for (const { key } of (await api('GET', '/v1/campaigns')).json.campaigns) {
      const target = (await api('GET', `/v1/campaigns/${key}`)).json.campaign.target;
      if (target?.cohort?.startsWith('coh_'))
        assert.ok(cohorts.has(target.cohort), `${key} targets deleted ${target.cohort}`);
    }
  });

  it('a PATCH that retargets to a cohort deleted meanwhile is refused and changes nothing', async () => {
    const coh = (
      await api('POST', '/v1/cohorts', { name: 'gone', rule: { property: 'plan', op: 'exists' } })
    ).json.cohort.id;
    const c = await create({ title: 'p', send: { type: 'api' } });
    assert.equal((await api('DELETE', `/v1/cohorts/${coh}`)).status, 200);
    const r = await api('PATCH', `/v1/campaigns/${c.key}`, { target: { cohort: coh } });
    assert.equal(r.status, 400);
    assert.deepEqual(pairsOf(r), [['target.cohort', 'unknown_cohort']]);
    assert.equal((await api('GET', `/v1/campaigns/${c.key}`)).json.campaign.target, null);
  });
});

describe('work bounded by input size', () => {
  const placeholders = (n) =>
    `{"v": [${Array.from({ length: n }, (_, i) => `"{{ user.p${i} }}"`).join(',')}]}`;

  it('20,000 placeholders (200 KB, under the 256 KiB body limit) are refused as too_many_placeholders, in a small answer', async () => {
    const body = `{"v": "${'{{user.a}}'.repeat(20000)}"}`;
    assert.ok(body.length > 200_000 && body.length < 256 * 1024, `${body.length} bytes`);
    const spec = { url: `${sink.origin}/h`, method: 'POST', body };
    const preview = await api('POST', '/v1/preview', { spec, context: { user: { id: 'x' } } });
    assert.equal(preview.status, 200, "a preview answers the spec's problems");
    assert.equal(preview.json.ok, false);
    assert.ok(
      pairsOf(preview).some(([f, c]) => f === 'body' && c === 'too_many_placeholders'),
      preview.text.slice(0, 300),
    );
    // At most one warning per placeholder up to the limit: ~42 KB (was 4 MiB).
    assert.ok(preview.text.length < 64 * 1024, `answer is ${preview.text.length} bytes`);
    // Stored as a draft (content, not shape), refused at start and by the audience check.
    const c = await create({
      title: 'many',
      webhook: spec,
      target: { allUsers: true },
      send: { type: 'api' },
    });
    assert.ok(c.problems.some((p) => p.code === 'too_many_placeholders'));
    const start = await api('POST', `/v1/campaigns/${c.key}/start`);
    assert.equal(start.status, 400);
    const check = await api('POST', `/v1/campaigns/${c.key}/audience-check`);
    assert.equal(check.status, 400);
    assert.equal(check.json.error.code, 'too_many_placeholders');
    // 200 is the limit: accepted.
    const atLimit = await api('POST', '/v1/preview', {
      spec: { ...spec, body: placeholders(200) },
      context: { user: { id: 'x' } },
    });
    assert.equal(atLimit.json.ok, true, atLimit.text.slice(0, 300));
  });

  it('an audience check at the limit over one large shard lets cheap requests through while it runs', async () => {
    const { shardIndexFor } = await import('../../edge/src/shards/locate.js');
    // 4000 users, all in one shard: one object does all the work.
    const ids = [];
    for (let i = 0; ids.length < 4000; i++)
      if (shardIndexFor(`load-${i}`) === 0) ids.push(`load-${i}`);
    for (let i = 0; i < ids.length; i += 1000) {
      const r = await api('POST', '/v1/users', {
        users: ids.slice(i, i + 1000).map((id) => ({ id, properties: { plan: 'load' } })),
      });
      assert.equal(r.status, 200, r.text);
    }
    const c = await create({
      title: 'heavy',
      webhook: { url: `${sink.origin}/h`, method: 'POST', body: placeholders(200) },
      target: { allUsers: true },
      send: { type: 'api' },
    });
    let heavyDone = false;
    const heavy = api('POST', `/v1/campaigns/${c.key}/audience-check`).then((r) => {
      heavyDone = true;
      return r;
    });
    // A stream of cheap requests, one after another, while the check runs.
    let cheapBefore = 0;
    while (!heavyDone) {
      const r = await api('GET', `/v1/campaigns/${c.key}`);
      assert.equal(r.status, 200);
      if (!heavyDone) cheapBefore++;
    }
    const check = await heavy;
    assert.equal(check.status, 200, check.text.slice(0, 300));
    assert.ok(check.json.candidates >= 4000);
    assert.ok(check.json.wouldSend >= 4000);
    // The check runs in chunks (49 users each at 200 placeholders): a cheap
    // request waits for one chunk at most, never for the whole check (82
    // chunks here). Measured: 41 cheap requests got through while it ran;
    // without the turns between chunks, 1.
    console.log(`audience check: ${cheapBefore} cheap requests completed while it ran`);
    assert.ok(cheapBefore >= 3, `only ${cheapBefore} cheap requests completed while the check ran`);
  });
});

describe('a second pass: hostile bodies on every route that reads one', () => {
  it('never answers 500, and a healthy campaign still goes through its whole life afterwards', async () => {
    const deep = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const spec = JSON.stringify(webhook());
    const cohort = (
      await api('POST', '/v1/cohorts', { name: 'sweep', rule: { property: 'plan', op: 'exists' } })
    ).json.cohort.id;
    const draft = await create({
      title: 'sweep',
      webhook: webhook(),
      target: { allUsers: true },
      send: { type: 'api' },
    });
    const running = await create({
      title: 'sweep api',
      webhook: webhook(),
      target: { allUsers: true },
      send: { type: 'api' },
    });
    assert.equal((await api('POST', `/v1/campaigns/${running.key}/start`)).status, 200);
    const routes = [
      ['POST', '/v1/preview'],
      ['POST', '/v1/test-send'],
      ['POST', '/v1/deliveries'],
      ['POST', '/v1/users'],
      ['POST', '/v1/events'],
      ['POST', '/v1/cohorts'],
      ['PUT', `/v1/cohorts/${cohort}`],
      ['POST', '/v1/campaigns'],
      ['PATCH', `/v1/campaigns/${draft.key}`],
      ['POST', `/v1/campaigns/${draft.key}/preview`],
      ['POST', `/v1/campaigns/${draft.key}/test-send`],
      ['POST', `/v1/campaigns/${running.key}/send`],
      ['PUT', '/v1/settings/frequency-capping'],
    ];
    const bodies = [
      `{"spec":${spec},"context":${deep(100000)},"rule":${deep(100000)},"send":{"type":"event","event":"e","where":${deep(100000)}}}`,
      `{"spec":${spec},"context":{"user":{"properties":{"n":1e309}}},"users":[{"id":"h","properties":{"n":-1e309}}],"timeoutMs":1e309,"rules":[{"limit":1e309}]}`,
      `{"title":"far","send":{"type":"schedule","at":"9999-12-31T23:00","timeZone":"Pacific/Kiritimati","repeat":{"every":100000,"unit":"weeks","until":"9999-12-31"}},"events":[{"userId":"h","key":"k","at":"9999-12-31T23:59:59Z"}]}`,
      `{"name":"wide","rule":{"event":"e","op":"did","within":{"last":1000000000,"unit":"months"},"count":{"op":"gte","value":1e308}},"spec":{"url":"${sink.origin}/{{user.a}}","method":"POST","body":"\\"${'{{user.a}}'.repeat(25000)}\\""},"recipients":[{"userId":"h","properties":{"x":${deep(200)}}}]}`,
    ];
    const statuses = new Set();
    for (const [method, path] of routes) {
      for (const [i, body] of bodies.entries()) {
        const r = await api(method, path, body);
        statuses.add(r.status);
        assert.notEqual(r.status, 500, `${method} ${path} body ${i}: ${r.text.slice(0, 300)}`);
      }
    }
    assert.ok(statuses.has(400));
    // Whatever was stored from all that (a wide cohort, say), reading it back and using it works.
    for (const c of (await api('GET', '/v1/cohorts')).json.cohorts) {
      assert.equal((await api('POST', `/v1/cohorts/${c.id}/estimate`)).status, 200, c.id);
    }
    assert.equal((await api('GET', '/v1/campaigns')).status, 200);
    const healthy = await create(
      campaignWith(schedule('2098-01-01T00:00', 'UTC', { repeat: { every: 1, unit: 'days' } })),
    );
    for (const [action, status] of [
      ['start', 'running'],
      ['pause', 'paused'],
      ['resume', 'running'],
      ['end', 'ended'],
    ]) {
      const r = await api('POST', `/v1/campaigns/${healthy.key}/${action}`);
      assert.equal(r.status, 200, `${action}: ${r.text}`);
      assert.equal(r.json.campaign.status, status);
    }
    assert.equal((await api('POST', `/v1/campaigns/${running.key}/audience-check`)).status, 200);
  });
});

describe('an events call that triggers a campaign with the largest webhook', () => {
  it('compiles it once, and cheap requests are served while the triggers are decided', async () => {
    const filler = 'x'.repeat(1100);
    const body = `{"v": [${Array.from({ length: 200 }, (_, i) => `"${filler}{{ user.p${i} | default: "d" }}"`).join(',')}]}`;
    assert.ok(body.length > 200_000 && body.length < 256 * 1024);
    const c = await create({
      title: 'big event',
      webhook: { url: `${sink.origin}/ev`, method: 'POST', body },
      target: { allUsers: true },
      send: { type: 'event', event: 'big' },
    });
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/start`)).status, 200);
    const { shardIndexFor } = await import('../../edge/src/shards/locate.js');
    const ids = [];
    for (let i = 0; ids.length < 1000; i++) if (shardIndexFor(`ev-${i}`) === 1) ids.push(`ev-${i}`);
    let done = false;
    const events = api('POST', '/v1/events', {
      events: ids.map((userId) => ({ userId, key: 'big' })),
    }).then((r) => {
      done = true;
      return r;
    });
    let cheapBefore = 0;
    while (!done) {
      assert.equal((await api('GET', `/v1/campaigns/${c.key}`)).status, 200);
      if (!done) cheapBefore++;
    }
    const r = await events;
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.json.triggered, 1000);
    console.log(
      `events call: ${cheapBefore} cheap requests completed while 1000 triggers were decided`,
    );
    assert.ok(
      cheapBefore >= 3,
      `only ${cheapBefore} cheap requests completed while the triggers ran`,
    );
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/end`)).status, 200);
  });
});
