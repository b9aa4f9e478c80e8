// "Send test": posts the current spec and sample recipient to the edge
// worker's POST /v1/test-send and shows what came back — status, duration,
// response headers and body, the retry verdict, or the error kind. The
// worker renders and sends with the same engine, so what it sends is what the
// preview shows.
import { byId, formatMs, h, setChildren, store } from './dom.js';

export const DEFAULT_API_BASE = 'http://127.0.0.1:8787';
const KEY_STORE = 'hookcast.apiKey';
const BASE_STORE = 'hookcast.apiBase';
const TIMEOUT_MS = 30000;

/**
 * @param {{ getPayload: () => ({ ok: true, spec: object, context: object } | { ok: false, reason: string }) }} hooks
 */
export function createTestSend({ getPayload }) {
  const base = byId('api-base');
  const key = byId('api-key');
  const showKey = byId('show-key');
  const secret = byId('signing-secret');
  const send = byId('send-test');
  const status = byId('send-status');
  const result = byId('send-result');
  let inFlight = null;

  base.value = store.get(BASE_STORE) ?? DEFAULT_API_BASE;
  key.value = store.get(KEY_STORE) ?? '';
  base.addEventListener('input', () => store.set(BASE_STORE, base.value.trim()));
  key.addEventListener('input', () => {
    if (key.value) store.set(KEY_STORE, key.value);
    else store.remove(KEY_STORE);
  });
  showKey.addEventListener('change', () => { key.type = showKey.checked ? 'text' : 'password'; });

  function setStatus(text, kind = 'info') {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  async function sendTest() {
    if (inFlight) { inFlight.abort(); return; }
    const payload = getPayload();
    if (!payload.ok) { setStatus(payload.reason, 'error'); return; }
    const apiBase = base.value.trim().replace(/\/+$/, '');
    let endpoint;
    try {
      endpoint = new URL(`${apiBase}/v1/test-send`);
      if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new Error('scheme');
    } catch {
      setStatus('The API base URL is not an http(s) URL, for example http://127.0.0.1:8787.', 'error');
      base.focus();
      return;
    }
    if (!key.value) { setStatus('Enter the API key the worker was started with.', 'error'); key.focus(); return; }

    const body = { spec: payload.spec, context: payload.context };
    if (secret.value) body.signingSecret = secret.value;
    inFlight = new AbortController();
    const timer = setTimeout(() => inFlight?.abort('timeout'), TIMEOUT_MS);
    send.textContent = 'Cancel';
    result.setAttribute('aria-busy', 'true');
    setStatus('Sending the test request…');
    const started = performance.now();
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key.value}` },
        body: JSON.stringify(body),
        signal: inFlight.signal,
      });
      const text = await res.text();
      let data = null;
      try { data = JSON.parse(text); } catch { /* shown raw below */ }
      if (res.ok && data && data.outcome) {
        showOutcome(data);
        setStatus(summaryLine(data), data.outcome.error ? 'error' : statusKind(data.outcome.status));
      } else {
        showRefusal(res.status, data, text);
        setStatus(refusalLine(res.status, data), 'error');
      }
    } catch (err) {
      setChildren(result);
      const waited = formatMs(performance.now() - started);
      if (inFlight?.signal.aborted) {
        setStatus(inFlight.signal.reason === 'timeout'
          ? `No answer from the worker within ${TIMEOUT_MS / 1000} s.`
          : `Cancelled after ${waited}.`, 'error');
      } else {
        setStatus(`Could not reach the worker at ${apiBase} (${err.message}). Is it running, and does it allow requests from ${location.origin} (CORS)?`, 'error');
      }
    } finally {
      clearTimeout(timer);
      inFlight = null;
      send.textContent = 'Send test';
      result.removeAttribute('aria-busy');
    }
  }

  function showOutcome(data) {
    const o = data.outcome;
    const errorKind = o.error ? String(o.error) : null; // 'timeout' | 'dns' | 'connection_refused' | 'tls' | 'network' | …
    const headers = Array.isArray(o.headers) ? o.headers : Object.entries(o.headers ?? {});
    const warnings = Array.isArray(data.warnings) ? data.warnings : [];
    const req = data.request;
    setChildren(result,
      h('dl', { class: 'facts' },
        errorKind
          ? [h('dt', {}, 'Error'), h('dd', {}, h('span', { class: 'error-kind', dataset: { error: errorKind } }, errorKind),
            o.errorMessage ? h('span', { class: 'muted' }, ` — ${o.errorMessage}`) : null)]
          : [h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `status ${statusKind(o.status)}`, dataset: { status: o.status } }, String(o.status)))],
        o.redirect ? [h('dt', {}, 'Redirect'), h('dd', { class: 'mono value' }, o.redirect, h('span', { class: 'muted' }, ' (not followed)'))] : null,
        h('dt', {}, 'Duration'), h('dd', { class: 'duration' }, formatMs(o.durationMs)),
        h('dt', {}, 'Retry'), h('dd', { class: 'retry', dataset: { retry: String(Boolean(data.wouldRetry)) } },
          data.wouldRetry
            ? `A real send would retry in ${formatMs(data.retryDelayMs)}`
            : 'A real send would not retry',
          data.retryReason ? [' (', h('code', {}, data.retryReason), ')'] : null),
        data.signed !== undefined ? [h('dt', {}, 'Signed'), h('dd', {}, data.signed ? 'yes (Standard Webhooks)' : 'no')] : null,
        data.id ? [h('dt', {}, 'Message id'), h('dd', { class: 'mono value' }, data.id)] : null,
        data.allowLocalHttp ? [h('dt', {}, 'Note'), h('dd', { class: 'warning-text' }, 'This worker allows http:// to loopback addresses (local development setting).')] : null),
      warnings.length ? problemList(warnings) : null,
      headers.length
        ? h('details', { class: 'sub', open: true }, h('summary', {}, `Response headers (${headers.length})`),
          h('table', { class: 'kv-table' }, h('tbody', {}, headers.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', class: 'mono' }, k), h('td', { class: 'mono value' }, v))))))
        : null,
      errorKind ? null : h('div', { class: 'sub' },
        h('h3', { class: 'h4' }, 'Response body ', o.bodyTruncated ? h('span', { class: 'badge warning', title: 'The worker keeps only the start of long bodies' }, 'truncated') : null),
        o.bodyError ? h('p', { class: 'warning-text' }, `The body could not be read: ${o.bodyError}`) : null,
        o.body ? h('pre', { class: 'mono response-body' }, o.body) : h('p', { class: 'muted' }, '(empty body)')),
      req ? h('details', { class: 'sub' }, h('summary', {}, 'Request as rendered'),
        h('pre', { class: 'mono response-body' }, [`${req.method} ${req.url}`, ...(req.headers ?? []).map(([k, v]) => `${k}: ${v}`), '', req.body ?? ''].join('\n'))) : null);
  }

  function showRefusal(code, data, text) {
    const problems = Array.isArray(data?.problems) ? data.problems.filter((p) => p.code !== data?.error?.code || p.field) : [];
    setChildren(result, problems.length
      ? problemList(problems)
      : data ? null : h('pre', { class: 'mono response-body' }, text.slice(0, 2000)));
  }

  byId('send-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sendTest();
  });
  return { send: sendTest };
}

function problemList(problems) {
  return h('ul', { class: 'problems' }, problems.map((p) => h('li', { class: `problem ${p.severity === 'warning' ? 'warning' : 'error'}`, dataset: { code: p.code, field: p.field ?? '' } },
    h('span', { class: 'badge' }, p.severity === 'warning' ? 'Warning' : 'Error'),
    p.field ? h('span', { class: 'mono' }, p.field) : null,
    h('span', { class: 'message' }, p.message),
    h('code', { class: 'code' }, p.code))));
}

function statusKind(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 300 && status < 400) return 'warning';
  return 'error';
}

function summaryLine(data) {
  const o = data.outcome;
  const what = o.error ? `could not be reached (${o.error})` : `answered ${o.status}`;
  return `The destination ${what} in ${formatMs(o.durationMs)}; ${data.wouldRetry ? 'a real send would retry' : 'no retry'}.`;
}

function refusalLine(code, data) {
  if (code === 401 || code === 403) return `The worker refused the API key (${code}). Check the key the worker was started with.`;
  const msg = data?.message ?? data?.error?.message ?? (typeof data?.error === 'string' ? data.error : null);
  return `The worker refused the test (${code})${msg ? `: ${msg}` : '.'}`;
}
