// Campaigns in workerd: create/list/get/PATCH, the status machine and every
// 409/400 path, drafts, keys, frequency-capping settings, campaign preview
// and test-send. The three send types end to end are in
// edge_campaign_sends.test.mjs.

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
const fieldsOf = (r) => (r.json?.problems ?? []).map((p) => p.field);

async function create(body) {
  const r = await api('POST', '/v1/campaigns', body);
  assert.equal(r.status, 201, r.text);
  return r.json.campaign;
}

/** A campaign ready to start: API-triggered, to every user. */
const complete = (extra = {}) => ({
  title: 'Welcome',
  webhook: webhook(),
  target: { allUsers: true },
  send: { type: 'api' },
  ...extra,
});

describe('create, get, list', () => {
  it('creates a ready campaign with an assigned URL-safe key and the full answer shape', async () => {
    const c = await create({
      title: 'Spring sale',
      description: 'for everyone',
      ...complete({ title: 'Spring sale' }),
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    assert.match(c.key, /^[A-Za-z0-9_-]+$/);
    assert.equal(c.status, 'ready');
    assert.equal(c.title, 'Spring sale');
    assert.equal(c.description, 'for everyone');
    assert.deepEqual(c.target, { allUsers: true });
    assert.deepEqual(c.send, { type: 'api' });
    assert.deepEqual(c.fatigue, { resend: null, frequencyCapping: false });
    assert.equal(c.rateLimit, null);
    assert.equal(c.signed, true);
    assert.equal('signingSecret' in c, false, 'the secret is never answered');
    assert.ok(!JSON.stringify(c).includes('MfKQ9r8'));
    assert.equal(typeof c.timeoutMs, 'number');
    for (const t of ['createdAt', 'updatedAt']) assert.ok(!Number.isNaN(Date.parse(c[t])), t);
    assert.equal(c.startedAt, null);
    assert.equal(c.endedAt, null);
    assert.deepEqual(
      c.problems.filter((p) => p.severity === 'error'),
      [],
      'warnings only (user.id has no fallback)',
    );
    const got = await api('GET', `/v1/campaigns/${c.key}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.campaign, c);
  });

  it('keys are unique and never reused', async () => {
    const keys = [];
    for (let i = 0; i < 6; i++) keys.push((await create({ title: `k${i}` })).key);
    assert.equal(new Set(keys).size, keys.length);
    const listed = (await api('GET', '/v1/campaigns')).json.campaigns.map((c) => c.key);
    for (const k of keys) assert.ok(listed.includes(k));
  });

  it('lists campaigns with send.type and a stats summary', async () => {
    const c = await create(complete({ title: 'listed' }));
    const r = await api('GET', '/v1/campaigns');
    assert.equal(r.status, 200);
    const item = r.json.campaigns.find((x) => x.key === c.key);
    assert.equal(item.title, 'listed');
    assert.equal(item.status, 'ready');
    assert.deepEqual(item.send, { type: 'api' });
    assert.equal(item.stats.targeted, 0);
    assert.equal(item.stats.sent, 0);
  });

  it('a draft is stored with its webhook problems listed', async () => {
    const c = await create({
      title: 'draft',
      webhook: { url: 'https://example.com/{{ user.name', method: 'POST', body: '{"a": ' },
    });
    assert.equal(c.status, 'ready');
    assert.ok(c.problems.length > 0);
    assert.ok(
      c.problems.every((p) => p.field.startsWith('webhook')),
      JSON.stringify(c.problems),
    );
    assert.equal(c.webhook.body, '{"a": ');
  });

  it('shape errors are 400 with located problems and store nothing', async () => {
    const before = (await api('GET', '/v1/campaigns')).json.campaigns.length;
    const cases = [
      [{}, 'title'],
      [{ title: 5 }, 'title'],
      [{ title: 'x', send: { type: 'sometimes' } }, 'send.type'],
      [
        { title: 'x', send: { type: 'schedule', at: '2026-12-01 09:00', timeZone: 'Asia/Seoul' } },
        'send.at',
      ],
      [
        {
          title: 'x',
          send: { type: 'schedule', at: '2099-12-01T09:00', timeZone: 'Mars/Olympus' },
        },
        'send.timeZone',
      ],
      [
        {
          title: 'x',
          fatigue: { resend: { every: 1, unit: 'fortnights' }, frequencyCapping: false },
        },
        'fatigue.resend.unit',
      ],
      [{ title: 'x', rateLimit: { perMinute: -1 } }, 'rateLimit.perMinute'],
      [{ title: 'x', colour: 'red' }, 'colour'],
      [{ title: 'x', target: { cohort: 'coh_doesnotexist' } }, 'target.cohort'],
    ];
    for (const [body, field] of cases) {
      const r = await api('POST', '/v1/campaigns', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.ok, false);
      assert.ok(
        fieldsOf(r).some((f) => f.startsWith(field)),
        `${JSON.stringify(body)} -> ${JSON.stringify(fieldsOf(r))}`,
      );
    }
    const tz = await api('POST', '/v1/campaigns', {
      title: 'x',
      send: { type: 'schedule', at: '2099-12-01T09:00', timeZone: 'Mars/Olympus' },
    });
    assert.equal(
      tz.json.problems.find((p) => p.field === 'send.timeZone').code,
      'unknown_time_zone',
    );
    assert.equal((await api('GET', '/v1/campaigns')).json.campaigns.length, before);
  });

  it('unknown keys are 404', async () => {
    for (const key of ['c_999999_aaaa', 'nope', '%2e%2e']) {
      const r = await api('GET', `/v1/campaigns/${key}`);
      assert.equal(r.status, 404, key);
      assert.equal(r.json.error.code, 'not_found');
    }
    assert.equal((await api('POST', '/v1/campaigns/c_999999_aaaa/start')).status, 404);
    assert.equal((await api('PATCH', '/v1/campaigns/c_999999_aaaa', { title: 'x' })).status, 404);
  });
});

describe('status machine', () => {
  it('start answers 400 listing every missing piece, and changes nothing', async () => {
    const c = await create({ title: 'empty' });
    const before = (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign;
    const r = await api('POST', `/v1/campaigns/${c.key}/start`);
    assert.equal(r.status, 400, r.text);
    const fields = fieldsOf(r);
    for (const f of ['webhook', 'target', 'send'])
      assert.ok(
        fields.some((x) => x === f || x.startsWith(`${f}.`)),
        `${f} in ${fields}`,
      );
    assert.deepEqual(
      (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign,
      before,
      'the refused start changed nothing',
    );
  });

  it('start refuses an invalid webhook with its problems, and a schedule in the past', async () => {
    const bad = await create(complete({ webhook: { url: 'ftp://example.com', method: 'POST' } }));
    const r = await api('POST', `/v1/campaigns/${bad.key}/start`);
    assert.equal(r.status, 400);
    assert.ok(
      fieldsOf(r).some((f) => f.startsWith('webhook.url')),
      r.text,
    );
    const past = await create(
      complete({ send: { type: 'schedule', at: '2020-01-01T09:00', timeZone: 'Asia/Seoul' } }),
    );
    const p = await api('POST', `/v1/campaigns/${past.key}/start`);
    assert.equal(p.status, 400);
    assert.ok(
      p.json.problems.some((x) => x.field === 'send.at' && x.code === 'schedule_in_past'),
      p.text,
    );
  });

  it('launch-check answers the problems start refuses with, and starts nothing', async () => {
    const cases = [
      await create({ title: 'empty' }),
      await create(complete({ webhook: { url: 'ftp://example.com', method: 'POST' } })),
      await create(
        complete({ send: { type: 'schedule', at: '2020-01-01T09:00', timeZone: 'Asia/Seoul' } }),
      ),
    ];
    for (const c of cases) {
      const check = await api('POST', `/v1/campaigns/${c.key}/launch-check`);
      assert.equal(check.status, 200, check.text);
      assert.equal(check.json.launchable, false);
      assert.ok(check.json.problems.length > 0);
      assert.equal((await api('GET', `/v1/campaigns/${c.key}`)).json.campaign.status, 'ready');
      const start = await api('POST', `/v1/campaigns/${c.key}/start`);
      assert.equal(start.status, 400);
      assert.deepEqual(check.json.problems, start.json.problems);
    }
    const ok = await create(complete());
    const check = await api('POST', `/v1/campaigns/${ok.key}/launch-check`);
    assert.deepEqual(check.json, { launchable: true, problems: [] });
    assert.equal((await api('GET', `/v1/campaigns/${ok.key}`)).json.campaign.status, 'ready');
    assert.equal((await api('POST', `/v1/campaigns/${ok.key}/start`)).status, 200);
    const running = await api('POST', `/v1/campaigns/${ok.key}/launch-check`);
    assert.equal(running.json.launchable, false);
    assert.deepEqual(
      running.json.problems.map((p) => [p.field, p.code]),
      [['status', 'invalid_transition']],
    );
    assert.equal((await api('POST', '/v1/campaigns/c_1_aaaa/launch-check')).status, 404);
  });

  it('ready → running ⇄ paused → ended; illegal moves are 409 invalid_transition naming the status', async () => {
    const c = await create(complete());
    const step = async (action, status) => {
      const r = await api('POST', `/v1/campaigns/${c.key}/${action}`);
      assert.equal(r.status, 200, `${action}: ${r.text}`);
      assert.equal(r.json.campaign.status, status);
      return r.json.campaign;
    };
    const illegal = async (action, current) => {
      const r = await api('POST', `/v1/campaigns/${c.key}/${action}`);
      assert.equal(r.status, 409, `${action} in ${current}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_transition');
      assert.match(r.json.error.message, new RegExp(current));
    };
    await illegal('pause', 'ready');
    await illegal('resume', 'ready');
    const started = await step('start', 'running');
    assert.ok(started.startedAt);
    await illegal('start', 'running');
    await illegal('resume', 'running');
    await step('pause', 'paused');
    await illegal('pause', 'paused');
    await illegal('start', 'paused');
    await step('resume', 'running');
    const ended = await step('end', 'ended');
    assert.ok(ended.endedAt);
    for (const a of ['start', 'pause', 'resume', 'end']) await illegal(a, 'ended');
  });

  it('ready may end directly', async () => {
    const c = await create({ title: 'never ran' });
    const r = await api('POST', `/v1/campaigns/${c.key}/end`);
    assert.equal(r.status, 200);
    assert.equal(r.json.campaign.status, 'ended');
  });
});

describe('PATCH', () => {
  it('ready: anything; running: title/description only (409 campaign_not_editable); paused: anything; ended: nothing', async () => {
    const c = await create(complete());
    const patch = (body) => api('PATCH', `/v1/campaigns/${c.key}`, body);
    let r = await patch({ description: 'd1', rateLimit: { perMinute: 60 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.campaign.rateLimit, { perMinute: 60 });
    await api('POST', `/v1/campaigns/${c.key}/start`);
    r = await patch({ title: 'renamed', description: 'd2' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.campaign.title, 'renamed');
    const before = (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign;
    r = await patch({ title: 'not applied', webhook: postSpec(`${sink.origin}/other`) });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'campaign_not_editable');
    assert.deepEqual(
      (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign,
      before,
      'a refused PATCH changes nothing',
    );
    await api('POST', `/v1/campaigns/${c.key}/pause`);
    r = await patch({
      webhook: postSpec(`${sink.origin}/other`),
      fatigue: { resend: { every: 2, unit: 'days' }, frequencyCapping: true },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.campaign.webhook.url, `${sink.origin}/other`);
    assert.deepEqual(r.json.campaign.fatigue, {
      resend: { every: 2, unit: 'days' },
      frequencyCapping: true,
    });
    await api('POST', `/v1/campaigns/${c.key}/end`);
    r = await patch({ title: 'too late' });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'campaign_not_editable');
  });

  it('a PATCH with a shape error is 400 and changes nothing; a webhook problem is stored as a draft', async () => {
    const c = await create(complete());
    const before = (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign;
    const r = await api('PATCH', `/v1/campaigns/${c.key}`, {
      title: 'new',
      send: { type: 'schedule', at: 'tomorrow', timeZone: 'Asia/Seoul' },
    });
    assert.equal(r.status, 400);
    assert.ok(fieldsOf(r).includes('send.at'), r.text);
    assert.deepEqual(
      (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign,
      before,
      'the refused PATCH changed nothing, not even the title',
    );
    const draft = await api('PATCH', `/v1/campaigns/${c.key}`, {
      webhook: { url: 'https://example.com', method: 'GET', body: '{}' },
    });
    assert.equal(draft.status, 200, draft.text);
    assert.ok(
      draft.json.campaign.problems.some((p) => p.field.startsWith('webhook.body')),
      draft.text,
    );
    assert.equal(
      (await api('POST', `/v1/campaigns/${c.key}/start`)).status,
      400,
      'start refuses it',
    );
  });

  it('signingSecret can be set and removed, and is never echoed', async () => {
    const c = await create(complete());
    let r = await api('PATCH', `/v1/campaigns/${c.key}`, {
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.campaign.signed, true);
    r = await api('PATCH', `/v1/campaigns/${c.key}`, { signingSecret: null });
    assert.equal(r.json.campaign.signed, false);
  });
});

describe('targets and event conditions', () => {
  it('a cohort targeted by a campaign that is not ended cannot be deleted (409 cohort_in_use)', async () => {
    const cohort = await api('POST', '/v1/cohorts', {
      name: 'pros',
      rule: { property: 'plan', op: 'eq', value: 'pro' },
    });
    assert.equal(cohort.status, 201, cohort.text);
    const id = cohort.json.cohort.id;
    const c = await create(complete({ target: { cohort: id } }));
    assert.deepEqual(c.target, { cohort: id });
    let r = await api('DELETE', `/v1/cohorts/${id}`);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'cohort_in_use');
    await api('POST', `/v1/campaigns/${c.key}/start`);
    assert.equal((await api('DELETE', `/v1/cohorts/${id}`)).status, 409);
    await api('POST', `/v1/campaigns/${c.key}/end`);
    r = await api('DELETE', `/v1/cohorts/${id}`);
    assert.equal(r.status, 200, r.text);
  });

  it('event conditions are checked by the engine as a cohort event rule, problems under send.where', async () => {
    const ok = await api('POST', '/v1/campaigns', {
      title: 'w',
      send: {
        type: 'event',
        event: 'purchase',
        where: [{ property: 'amount', op: 'gte', value: 10 }],
      },
    });
    assert.equal(ok.status, 201, ok.text);
    const bad = await api('POST', '/v1/campaigns', {
      title: 'w',
      send: {
        type: 'event',
        event: 'purchase',
        where: [{ property: 'amount', op: 'bigger', value: 10 }],
      },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.ok(
      fieldsOf(bad).some((f) => f.startsWith('send.where[0]')),
      bad.text,
    );
  });
});

describe('frequency-capping settings', () => {
  it('defaults to no rules, stores valid rules, refuses periods over 30 days and bad limits', async () => {
    let r = await api('GET', '/v1/settings/frequency-capping');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { rules: [] });
    const rules = [
      { limit: 3, period: { value: 1, unit: 'days' } },
      { limit: 10, period: { value: 1, unit: 'weeks' } },
    ];
    r = await api('PUT', '/v1/settings/frequency-capping', { rules });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { rules });
    for (const [bad, field] of [
      [{ rules: [{ limit: 1, period: { value: 31, unit: 'days' } }] }, 'rules[0].period'],
      [{ rules: [{ limit: 0, period: { value: 1, unit: 'days' } }] }, 'rules[0].limit'],
      [{ rules: [{ limit: 1, period: { value: 1, unit: 'months' } }] }, 'rules[0].period.unit'],
      [{ rules: 'none' }, 'rules'],
    ]) {
      const x = await api('PUT', '/v1/settings/frequency-capping', bad);
      assert.equal(x.status, 400, JSON.stringify(bad));
      assert.ok(
        fieldsOf(x).some((f) => f.startsWith(field)),
        `${JSON.stringify(bad)} -> ${fieldsOf(x)}`,
      );
    }
    assert.deepEqual(
      (await api('GET', '/v1/settings/frequency-capping')).json,
      { rules },
      'refusals changed nothing',
    );
    r = await api('PUT', '/v1/settings/frequency-capping', { rules: [] });
    assert.deepEqual(r.json, { rules: [] });
  });
});

describe('campaign preview and test-send', () => {
  it('preview renders the campaign webhook with a stored user or a given context', async () => {
    await api('POST', '/v1/users', { users: [{ id: 'pv-1', properties: { plan: 'pro' } }] });
    const c = await create(
      complete({
        webhook: postSpec(`${sink.origin}/p/{{ user.id }}`, {
          body: '{"plan": "{{ user.plan | default: "free" }}"}',
        }),
      }),
    );
    let r = await api('POST', `/v1/campaigns/${c.key}/preview`, { userId: 'pv-1' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.request.url, `${sink.origin}/p/pv-1`);
    assert.equal(r.json.request.body, '{"plan": "pro"}');
    assert.ok(r.json.curl.startsWith('curl'));
    r = await api('POST', `/v1/campaigns/${c.key}/preview`, { context: { user: { id: 'x' } } });
    assert.equal(r.json.request.body, '{"plan": "free"}');
    r = await api('POST', `/v1/campaigns/${c.key}/preview`, { userId: 'nobody-here' });
    assert.equal(r.status, 404);
    r = await api('POST', `/v1/campaigns/${c.key}/preview`, {});
    assert.equal(r.status, 400);
  });

  it('test-send makes one real attempt and counts nowhere', async () => {
    const c = await create(complete({ webhook: postSpec(`${sink.origin}/t/{{ user.id }}`) }));
    const before = sink.hits.length;
    const r = await api('POST', `/v1/campaigns/${c.key}/test-send`, {
      context: { user: { id: 'tester' } },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.outcome.status, 200);
    assert.equal(sink.hits.length, before + 1);
    assert.equal(sink.hits.at(-1).path, '/t/tester');
    await api('POST', `/v1/campaigns/${c.key}/start`);
    const stats = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assert.equal(stats.targeted, 0);
    assert.equal(stats.sent, 0);
  });
});
