// The example webhook that "Reset to example" loads: a POST with variables
// in the URL path, a query parameter, a header and the JSON body (inside a
// string and as a whole number), and a sample recipient that exercises the
// encodings (a space and a slash in a query value).

/** @returns {{ spec: object, context: object }} fresh copies every call */
export function exampleState() {
  return {
    spec: {
      url: 'https://api.example.com/v1/customers/{{ user.id | default: "unknown" }}/events',
      method: 'POST',
      params: [
        { key: 'source', value: 'hookcast' },
        { key: 'product', value: '{{ event.product_id | default: "none" }}' },
      ],
      headers: [
        { key: 'Accept-Language', value: '{{ user.locale | default: "en-US" }}' },
      ],
      body: [
        '{',
        '  "greeting": "Hi {{ user.first_name | default: "there" }}!",',
        '  "event": "{{ event.key | default: "unknown" }}",',
        '  "amount": {{ event.amount | default: 0 }}',
        '}',
      ].join('\n'),
    },
    context: {
      userId: 'u_1042',
      userProperties: JSON.stringify({ first_name: 'Ada', locale: 'en-GB', plan: 'pro' }, null, 2),
      eventKey: 'purchase',
      eventProperties: JSON.stringify({ product_id: 'sku 42/blue', amount: 19.99 }, null, 2),
    },
  };
}
