// The benchmark webhook: nine variables spread over the URL path, a query
// parameter, a header and a JSON body (strings and a whole-value number),
// plus the same templates in the syntax of each baseline engine.

export const spec = {
  url: 'https://api.example.com/v1/users/{{ user.id }}/events/{{ event.key }}',
  method: 'POST',
  params: [
    { key: 'campaign', value: 'spring-sale' },
    { key: 'city', value: '{{ user.address.city | default: "unknown" }}' },
  ],
  headers: [
    { key: 'Authorization', value: 'Bearer sk_live_0123456789' },
    { key: 'X-Greeting', value: 'Hello {{ user.first_name | default: "there" }}' },
  ],
  body:
    '{"user_id": "{{ user.id }}", "name": "{{ user.first_name | default: "there" }}", ' +
    '"email": "{{ user.email }}", "age": {{ user.age | default: 0 }}, ' +
    '"product": "{{ event.product_id }}", "source": "hookcast"}',
};

const cities = ['Berlin', 'São Paulo', 'New York', 'Tōkyō', 'Zürich', 'Lagos', 'Seoul'];
const names = ['Ana', 'Bo "the boss"', 'Chloé', 'Dmitri', 'Eve & co', 'Fran\\k', 'Gül'];

/** Deterministic contexts: the same users on every run. */
export function makeContexts(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      user: {
        id: `u${100000 + i}`,
        properties: {
          first_name: names[i % names.length],
          email: `user${i}@example.com`,
          age: 18 + (i % 60),
          address: i % 5 === 0 ? {} : { city: cities[i % cities.length] },
        },
      },
      event: { key: i % 2 ? 'purchase' : 'signup', properties: { product_id: `sku-${i % 97}` } },
    });
  }
  return out;
}

/** Liquid scope for liquidjs: `user.x` reads (docs/design.md) user.properties.x. */
export function liquidScope(ctx) {
  return {
    user: { id: ctx.user.id, ...ctx.user.properties },
    event: { key: ctx.event.key, ...ctx.event.properties },
  };
}

export const handlebarsTemplates = {
  url: 'https://api.example.com/v1/users/{{user.id}}/events/{{event.key}}',
  city: '{{default user.address.city "unknown"}}',
  greeting: 'Hello {{default user.first_name "there"}}',
  body:
    '{"user_id": "{{user.id}}", "name": "{{default user.first_name "there"}}", ' +
    '"email": "{{user.email}}", "age": {{default user.age 0}}, ' +
    '"product": "{{event.product_id}}", "source": "hookcast"}',
};
