// Every answer the suites receive from a /v1 route is checked against the
// HTTP contract, docs/openapi.yaml, with ajv (JSON Schema 2020-12, the
// dialect of OpenAPI 3.1): an undocumented status, field or error code, a
// missing required field, or an error whose `error.code` is not its first
// error problem's code fails the test that received it.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const DOC_PATH = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));

/** docs/openapi.yaml, parsed. */
export const openApi = yaml.load(fs.readFileSync(DOC_PATH, 'utf8'));

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(openApi, 'openapi');

const pointer = (parts) =>
  parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map();

/** A validator for the schema at JSON pointer parts inside the document. */
function validatorAt(parts) {
  const ref = `openapi#/${pointer(parts)}`;
  let v = validators.get(ref);
  if (!v) validators.set(ref, (v = ajv.compile({ $ref: ref })));
  return v;
}

/** Resolves a local `$ref` ('#/components/...') to [pointer parts, value]. */
function deref(parts, value) {
  while (value && typeof value.$ref === 'string') {
    parts = value.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    value = parts.reduce((v, k) => v?.[k], openApi);
  }
  return [parts, value];
}

/** The document's paths as matchers, fewest parameters first. */
export const documentedPaths = Object.keys(openApi.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    re: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    item: openApi.paths[template],
  }))
  .sort((a, b) => a.params - b.params);

/** The documented path item a request path falls under, or null. */
export function pathItemFor(pathname) {
  return documentedPaths.find((p) => p.re.test(pathname)) ?? null;
}

const errorValidator = () => validatorAt(['components', 'schemas', 'Error']);

function describe(errors) {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('; ');
}

/** Checks the error-shape rules the schema cannot say: error.code is the first error problem's code. */
function checkErrorRules(body, where) {
  const first = body.problems.find((p) => p.severity === 'error') ?? body.problems[0];
  if (first.code !== body.error.code) {
    throw new Error(
      `${where}: error.code ${body.error.code} is not the first error problem's code ${first.code}`,
    );
  }
}

function checkError(body, codes, where) {
  const validate = errorValidator();
  if (!validate(body))
    throw new Error(
      `${where}: not the documented error shape: ${describe(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`,
    );
  if (codes && !codes.includes(body.error.code))
    throw new Error(`${where}: error code ${body.error.code} is not one of ${codes.join(', ')}`);
  checkErrorRules(body, where);
}

/**
 * With HOOKCAST_OPENAPI_SEEN=<file>, each checked answer appends
 * `METHOD template status` to that file: which documented answers the
 * suites exercise (a measurement, not a check).
 */
function seen(method, template, status) {
  const file = process.env.HOOKCAST_OPENAPI_SEEN;
  if (file) fs.appendFileSync(file, `${method} ${template} ${status}\n`);
}

/**
 * Checks one answer against the document. `path` may carry a query; only
 * /v1 paths are checked. `text` is the body as received. Throws an Error
 * that says what does not match. `request` (the body sent, as text or a
 * value) is checked too when the answer is a success: what the worker
 * accepted must be what the document says it accepts.
 */
export function checkAnswer({ method, path, status, contentType, text, request }) {
  const pathname = new URL(path, 'http://x').pathname;
  if (!pathname.startsWith('/v1/') && pathname !== '/v1') return;
  const where = `${method} ${path} → ${status}`;
  // A CORS preflight (answered for allowed origins) has no body and no operation.
  if (method === 'OPTIONS' && status === 204 && text === '') return;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${where}: the answer is not JSON: ${String(text).slice(0, 200)}`);
  }
  if (contentType !== undefined && !/^application\/json\b/.test(contentType ?? ''))
    throw new Error(`${where}: content-type ${contentType}`);
  const found = pathItemFor(pathname);
  seen(method, found?.template ?? '(no route)', status);
  if (!found) {
    if (status !== 404 && status !== 401 && status !== 503)
      throw new Error(`${where}: no documented path, and not a 404`);
    return checkError(body, ['not_found', 'unauthorized', 'not_configured'], where);
  }
  const operation = found.item[method.toLowerCase()];
  if (!operation) {
    if (status !== 405 && status !== 401 && status !== 503)
      throw new Error(`${where}: ${found.template} documents no ${method}, and this is not a 405`);
    return checkError(body, ['method_not_allowed', 'unauthorized', 'not_configured'], where);
  }
  const base = ['paths', found.template, method.toLowerCase(), 'responses', String(status)];
  const [parts, response] = deref(base, operation.responses?.[String(status)]);
  if (!response)
    throw new Error(`${where}: status ${status} is not documented for ${method} ${found.template}`);
  if (!response.content?.['application/json']?.schema)
    throw new Error(`${where}: the document gives no JSON schema for this answer`);
  const validate = validatorAt([...parts, 'content', 'application/json', 'schema']);
  if (!validate(body)) {
    throw new Error(
      `${where}: does not match ${found.template}: ${describe(validate.errors)}\n${JSON.stringify(body).slice(0, 800)}`,
    );
  }
  if (status >= 400) checkError(body, response['x-error-codes'], where);
  if (status < 300 && request !== undefined) checkRequest(found.template, method, request, where);
}

/** A body the worker accepted, against the operation's documented request body. */
function checkRequest(template, method, request, where) {
  const op = openApi.paths[template][method.toLowerCase()];
  if (!op.requestBody?.content?.['application/json']?.schema) return;
  let value = request;
  if (typeof request === 'string') {
    try {
      value = JSON.parse(request);
    } catch {
      return; // not JSON: nothing to hold against a JSON schema
    }
  } else if (request instanceof Uint8Array) {
    return;
  }
  const validate = validatorAt([
    'paths',
    template,
    method.toLowerCase(),
    'requestBody',
    'content',
    'application/json',
    'schema',
  ]);
  if (!validate(value)) {
    throw new Error(
      `${where}: the worker accepted a request body the document refuses: ${describe(validate.errors)}\n${JSON.stringify(value).slice(0, 600)}`,
    );
  }
}

/** Reads a fetch Response of `method path`, checks it (checkAnswer) and answers { status, headers, text, json }. */
export async function checkedResponse(method, path, res) {
  const text = await res.text();
  checkAnswer({
    method,
    path,
    status: res.status,
    contentType: res.headers.get('content-type'),
    text,
  });
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}
