// Differential test against liquidjs for plain text: a template of the
// hookcast subset rendered by the engine must read exactly as liquidjs renders
// it. Two channels cancel out the context-aware escaping: a header value
// (inserted as is) and a string inside the JSON body (JSON.parse'd back).
// Random cases are seeded: HOOKCAST_ORACLE_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Liquid } from 'liquidjs';

import { createEngine } from 'hookcast';
import { prng } from './helpers/prng.mjs';

const engine = await createEngine();
const liquid = new Liquid();

function oracle(template, context) {
  const scope = {
    user: {
      ...(context.user?.properties ?? {}),
      ...(context.user?.id !== undefined ? { id: context.user.id } : {}),
    },
    event: {
      ...(context.event?.properties ?? {}),
      ...(context.event?.key !== undefined ? { key: context.event.key } : {}),
    },
  };
  return liquid.parseAndRenderSync(template, scope);
}

function spec(headerTemplate, bodyTemplate) {
  return {
    url: 'https://oracle.example.com/in',
    method: 'POST',
    // Brackets keep edge whitespace inside the value, where HTTP would trim it.
    headers: [{ key: 'X-T', value: `<${headerTemplate}>` }],
    body: `{"t": "${bodyTemplate}"}`,
  };
}

function compare(headerTemplate, bodyTemplate, context, label) {
  const s = spec(headerTemplate, bodyTemplate);
  const r = engine.render(s, context);
  const where = `${label}\nheader template: ${JSON.stringify(headerTemplate)}\nbody template: ${JSON.stringify(bodyTemplate)}\ncontext: ${JSON.stringify(context)}`;
  assert.ok(r.ok, `${where}\nproblems: ${JSON.stringify(r.problems)}`);
  const header = r.request.headers.find(([k]) => k === 'X-T')?.[1];
  assert.equal(header, `<${oracle(headerTemplate, context)}>`, `header channel\n${where}`);
  // The body template's literal text holds no quote or backslash, so as a
  // JSON string it reads as itself: Liquid sees the same template.
  assert.equal(
    JSON.parse(r.request.body).t,
    oracle(bodyTemplate, context),
    `body channel\n${where}`,
  );
}

// ---- hand-picked -----------------------------------------------------------

const PEOPLE = [
  {
    user: {
      id: 'u-1',
      properties: {
        name: 'Ada',
        age: 36,
        vip: true,
        score: 2.5,
        address: { city: 'Lyon' },
        'first name': 'Ada L.',
      },
    },
    event: { key: 'purchase', properties: { product_id: 'p-9', qty: 3 } },
  },
  {
    user: { id: 'u-2', properties: { name: '', age: 0, vip: false, score: -1.25, address: {} } },
    event: { key: 'signup', properties: {} },
  },
  { user: { id: 'u-3', properties: { name: null } } },
  {
    user: { properties: { name: 'Zoë "Z" \\ <b> & 100%' } },
    event: { properties: { product_id: 'a b' } },
  },
  {},
];

const HAND_PICKED = [
  'Hello {{ user.name }}!',
  'Hello {{ user.name | default: "there" }}!',
  '{{user.name}}',
  '{{   user.name   |   default:   "x"   }}',
  '{{ user.account_name | default: "John Doe" }}',
  '{{ user.age }} / {{ user.age | default: 18 }}',
  '{{ user.score }} {{ user.missing | default: 2.5 }} {{ user.missing | default: -1 }}',
  '{{ user.vip }}',
  '{{ user.vip | default: "no" }}',
  '{{ user.id }}-{{ event.key }}',
  '{{ event.product_id }} x {{ event.qty | default: 1 }}',
  '{{ user.address.city | default: "somewhere" }}',
  '{{ user["first name"] | default: "friend" }}',
  '{{ user.nope }}{{ event.nope }}',
  'no placeholders at all',
  'lone { brace } and {x} and 50% off',
  '',
  '{{ user.name }}{{ user.name }}{{ user.name }}',
  'unicode: {{ user.name | default: "Zoë — 日本語 🎉" }}',
];

for (const [i, template] of HAND_PICKED.entries()) {
  test(`liquid oracle: hand-picked ${JSON.stringify(template)}`, () => {
    for (const [j, context] of PEOPLE.entries())
      compare(template, template, context, `hand-picked ${i}, person ${j}`);
  });
}

// ---- random ----------------------------------------------------------------

const SEED = Number(process.env.HOOKCAST_ORACLE_SEED ?? 20260427);
const rand = prng(SEED);
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (n) => Math.floor(rand() * n);

const NAMES = ['name', 'city', 'plan', 'age', 'score', 'vip', 'tier', 'nickname'];
// Text typed around placeholders. The body channel's text sits inside a JSON
// string, so it avoids quotes, backslashes and control characters there.
const TEXT_CHARS = [
  ..."abcxyzABC0123456789 .,;:!?-_=+*/()[]<>@#$%^&|~`'",
  'é',
  'ß',
  '日',
  '🎉',
  '\u00a0',
];
const VALUE_CHARS = [...TEXT_CHARS, '"', '\\', '{', '}', '\t'];

function text(max) {
  let s = '';
  for (let n = int(max); n > 0; n--) s += pick(TEXT_CHARS);
  return s;
}

function value() {
  switch (int(9)) {
    case 0:
      return null;
    case 1:
      return '';
    case 2:
      return rand() < 0.5;
    case 3:
      return int(1000) - 500;
    case 4:
      return Math.round((rand() - 0.5) * 1e4) / 100;
    default: {
      let s = '';
      for (let n = 1 + int(12); n > 0; n--) s += pick(VALUE_CHARS);
      return s;
    }
  }
}

function placeholder() {
  const source = pick(['user', 'user', 'event']);
  const name = rand() < 0.1 ? (source === 'user' ? 'id' : 'key') : pick(NAMES);
  const ws = () => pick(['', ' ', '  ']);
  let filter = '';
  if (rand() < 0.5) {
    const fallback = pick([
      `"${text(8).replace(/"/g, '')}"`,
      String(int(100)),
      '"there"',
      '""',
      '1.5',
    ]);
    filter = `${ws()}|${ws()}default:${ws() || ' '}${fallback}`;
  }
  return `{{${ws()}${source}.${name}${filter}${ws()}}}`;
}

function template() {
  let t = text(6);
  for (let n = int(4); n > 0; n--) t += placeholder() + text(6);
  return t;
}

function properties() {
  const props = {};
  for (const name of NAMES) if (rand() < 0.6) props[name] = value();
  return props;
}

function context() {
  const c = {};
  if (rand() < 0.9)
    c.user = { ...(rand() < 0.8 ? { id: `u${int(100)}` } : {}), properties: properties() };
  if (rand() < 0.7)
    c.event = {
      ...(rand() < 0.8 ? { key: pick(['signup', 'purchase', 'é']) } : {}),
      properties: properties(),
    };
  return c;
}

// Header values cannot carry CR/LF/NUL (the engine refuses them), and the
// generators never produce them.
test(`liquid oracle: 400 random templates and contexts (seed ${SEED})`, () => {
  for (let i = 0; i < 400; i++) {
    const headerTemplate = template();
    const bodyTemplate = template();
    compare(
      headerTemplate,
      bodyTemplate,
      context(),
      `random case ${i} (HOOKCAST_ORACLE_SEED=${SEED})`,
    );
  }
});
