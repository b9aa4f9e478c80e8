// The example webhook that "Reset to example" loads: a POST with variables
// in the URL path, a query parameter, a header and the JSON body (inside a
// string and as a whole number), and a sample recipient that exercises the
// encodings (a space and a slash in a query value).

/** @returns {{ spec: object, context: object, cohort: string }} fresh copies every call */
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
    // A small cohort: a full profile, one missing most properties (fallbacks
    // apply), and one whose locale holds a line break (refused: it would
    // inject a header).
    cohort: [
      '[',
      '  {"user": {"id": "u_1042", "properties": {"first_name": "Ada", "locale": "en-GB"}},',
      '   "event": {"key": "purchase", "properties": {"product_id": "sku-7", "amount": 5}}},',
      '  {"user": {"id": "u_2001"}, "event": {"key": "purchase"}},',
      '  {"user": {"id": "u_3003", "properties": {"locale": "fr\\r\\nX-Admin: 1"}},',
      '   "event": {"key": "purchase", "properties": {"amount": "12"}}}',
      ']',
    ].join('\n'),
  };
}
