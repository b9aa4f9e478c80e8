// An HTTP/1.1 client over the runtime's TCP sockets (`connect()` from
// cloudflare:sockets), which sends every webhook attempt.
//
// Why not fetch(): a fetch() costs workerd's one thread more per request
// (Request, Headers, Response and stream objects, the HTTP client behind
// them) than writing the request to a kept-alive socket and parsing the
// answer here: bench/delivery_bench.mjs measured 115 µs of workerd CPU for
// a bare fetch() and its body read against 80 µs for this client's whole
// send (capture, record, deadline), and 8,230 against 18,349 sends/s at 64
// in flight. The same wall applies: workerd's network allow list
// (edge/miniflare.mjs outboundNetwork) guards connect() as it guards fetch().
//
// What it does: one request per connection at a time (no pipelining);
// connections kept alive in a ConnectionPool that belongs to one Durable
// Object (a socket is bound to the object that opened it); `Host` and
// `Content-Length` written from the URL and the body; redirects never
// followed; a response body kept up to a byte limit (the rest is not read:
// the connection is closed), framed by Content-Length, chunked encoding or
// the end of the connection, and gzip/deflate bodies unpacked (bounded).
// A connection is reused only after a complete answer that allows it
// (HTTP/1.1, no `Connection: close`, a framed body read to its end). A
// reused connection that the server had closed (nothing of the answer
// arrived) is replaced once by a new one.

import { connect } from 'cloudflare:sockets';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
const CRLF2 = [13, 10, 13, 10];
/** A response head (status line and headers) larger than this is refused. */
const HEAD_LIMIT = 64 * 1024;
/** Compressed bytes read at most for a gzip/deflate body (what unpacks is bounded separately). */
const ENCODED_LIMIT = 1024 * 1024;
/** Idle connections older than this are closed, not reused (servers commonly drop them after 5 s). */
const IDLE_MS = 4_000;
/**
 * How often a pool looks for exchanges past their deadline. One interval per
 * pool instead of a timer per exchange: a setTimeout and its clearTimeout
 * cost workerd ~15 µs per request. A timeout strikes up to this late.
 */
const SWEEP_MS = 50;
/** Idle connections kept per origin (one per attempt in flight is enough). */
const MAX_IDLE = 64;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const NON_ASCII = /[^\0-\x7f]/;

/** The failure of one exchange: `code` is an attempt error name ('timeout', 'tls', …). */
export class SendError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Kept-alive connections of one Durable Object, by origin, and the deadlines
 * of its exchanges. One interval runs while either exists: it times out
 * exchanges past their deadline and closes connections idle for IDLE_MS, so
 * an object that has finished sending (a delivery batch) holds no socket
 * for long. At most MAX_IDLE connections per origin are kept.
 */
export class ConnectionPool {
  constructor() {
    /** @type {Map<string, Connection[]>} */
    this.idle = new Map();
    /** Exchanges in progress ({ conn, deadline, timedOut }). */
    this.running = new Set();
    this.sweeper = null;
  }

  /** Times `run` out at `run.deadline` (ms): its connection is closed. */
  watch(run) {
    this.running.add(run);
    this.arm();
  }

  unwatch(run) {
    this.running.delete(run);
  }

  arm() {
    if (this.sweeper === null) this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
  }

  sweep() {
    const now = Date.now();
    for (const run of this.running)
      if (now >= run.deadline) {
        run.timedOut = true;
        run.conn.close();
        this.running.delete(run);
      }
    for (const [key, list] of this.idle) {
      // Oldest first (give() appends): drop from the front while too old.
      let old = 0;
      while (old < list.length && now - list[old].idleSince >= IDLE_MS) list[old++].close();
      if (old === list.length) this.idle.delete(key);
      else if (old > 0) list.splice(0, old);
    }
    if (this.running.size === 0 && this.idle.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** The most recently used idle connection to `key` young enough to reuse, or null. */
  take(key) {
    const list = this.idle.get(key);
    while (list?.length) {
      const conn = list.pop();
      if (Date.now() - conn.idleSince < IDLE_MS) return conn;
      conn.close();
    }
    return null;
  }

  give(key, conn) {
    conn.idleSince = Date.now();
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    list.push(conn);
    if (list.length > MAX_IDLE) list.shift().close();
    this.arm();
  }

  /** Closes every idle connection (an object going idle). */
  closeAll() {
    for (const list of this.idle.values()) for (const conn of list) conn.close();
    this.idle.clear();
  }
}

/** One socket with the bytes read from it and not consumed yet. */
class Connection {
  constructor(hostname, port, tls) {
    this.hostname = hostname;
    this.port = port;
    this.socket = connect({ hostname, port }, { secureTransport: tls ? 'on' : 'off' });
    this.writer = this.socket.writable.getWriter();
    this.reader = this.socket.readable.getReader();
    this.buf = new Uint8Array(0);
    this.pos = 0;
    this.received = 0; // bytes of the current answer read so far
    this.closed = false;
    this.idleSince = 0;
  }

  available() {
    return this.buf.length - this.pos;
  }

  /** Reads one more chunk into the buffer; false at the end of the stream. */
  async more() {
    const { value, done } = await this.reader.read();
    if (done) return false;
    this.received += value.byteLength;
    if (this.pos >= this.buf.length) {
      this.buf = value;
    } else {
      const joined = new Uint8Array(this.available() + value.byteLength);
      joined.set(this.buf.subarray(this.pos));
      joined.set(value, this.available());
      this.buf = joined;
    }
    this.pos = 0;
    return true;
  }

  /** Takes up to `n` buffered bytes (a view). */
  take(n) {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }

  /** The bytes up to the next `\r\n` (not included), consumed with it; null if none is buffered. */
  line() {
    for (let i = this.pos; i + 1 < this.buf.length; i++) {
      if (this.buf[i] === 13 && this.buf[i + 1] === 10) {
        const out = this.buf.subarray(this.pos, i);
        this.pos = i + 2;
        return out;
      }
    }
    return null;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.socket.close().catch(() => {});
  }
}

/** Bytes as a Latin-1 string (response heads are bytes; the Fetch standard's ByteString). */
function latin1(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
  return s;
}

function indexOfCrlf2(buf, from) {
  outer: for (let i = Math.max(0, from); i + 3 < buf.length; i++) {
    for (let k = 0; k < 4; k++) if (buf[i + k] !== CRLF2[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Sends `request` ({ url, method, body }) with `headers` ([name, value][],
 * sent in order; Host, Content-Length and Transfer-Encoding are the
 * client's own) over a connection from `pool` (a new one without a pool,
 * closed after), and reads the answer, all within `timeoutMs`. Resolves to
 * { status, headers ([name, value][], lower-case names), body (UTF-8 text
 * of at most `bodyLimit` bytes), bodyTruncated, bodyError } or rejects with
 * a SendError (no status arrived; `code` 'timeout' when the time ran out).
 * `bodyError` ('timeout' | 'connection_reset'): the status arrived and the
 * body broke off.
 */
export async function send(request, headers, { pool = null, timeoutMs, bodyLimit }) {
  const { tls, hostname, port, host, path, key } = targetOf(request.url);
  const bytes = requestBytes(request, host, path, headers);
  const reused = pool?.take(key) ?? null;
  // The deadline closes the connection in use, which ends any pending write or read.
  const run = {
    conn: reused ?? new Connection(hostname, port, tls),
    deadline: Date.now() + timeoutMs,
    timedOut: false,
  };
  let timer = null;
  if (pool) pool.watch(run);
  else
    timer = setTimeout(() => {
      run.timedOut = true;
      run.conn.close();
    }, timeoutMs);
  try {
    try {
      return await exchange(run, bytes, request.method, bodyLimit, pool, key, tls);
    } catch (e) {
      // The server had closed a kept-alive connection before answering: once more on a new one.
      if (reused === null || !e.stale || run.timedOut) throw e;
      run.conn = new Connection(hostname, port, tls);
      return await exchange(run, bytes, request.method, bodyLimit, pool, key, tls);
    }
  } finally {
    if (pool) pool.unwatch(run);
    else clearTimeout(timer);
  }
}

// Most URLs a webhook renders differ only in their path: the part before
// the path (scheme and authority) is parsed by new URL() once and kept, and
// a path made only of characters the URL parser leaves as they are, with
// no dot segment, is taken as it is. Anything else goes through new URL().
const SPLIT_URL = /^(https?:\/\/[^/?#\\]*)(\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*)$/;
const DOT_SEGMENT = /\/\.|%2e/i;
/** Parsed origins by the text before the path (bounded). */
const origins = new Map();

/**
 * { tls, hostname, port, host (the Host header), path (path and query),
 * key (the pool's) } of a URL. An IPv6 literal keeps its brackets:
 * workerd's connect() parses "host:port".
 */
function targetOf(raw) {
  const m = SPLIT_URL.exec(raw);
  if (m && !DOT_SEGMENT.test(m[2])) {
    let origin = origins.get(m[1]);
    if (origin === undefined) {
      origin = originOf(new URL(`${m[1]}/`));
      if (origins.size >= 256) origins.clear();
      origins.set(m[1], origin);
    }
    return { ...origin, path: m[2] };
  }
  const url = new URL(raw);
  return { ...originOf(url), path: `${url.pathname}${url.search}` };
}

function originOf(url) {
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:')
    throw new SendError('network', `unsupported protocol ${url.protocol}`);
  return {
    tls,
    hostname: url.hostname,
    port: Number(url.port || (tls ? 443 : 80)),
    host: url.host,
    key: `${url.protocol}//${url.host}`,
  };
}

/** The request's bytes: request line, headers, body. Throws a SendError on a header that cannot be sent. */
function requestBytes(request, host, path, headers) {
  const body = request.body ?? null;
  let head = `${request.method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of headers) {
    if (!TOKEN.test(name))
      throw new SendError('network', `invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value))
      throw new SendError('network', `invalid value for header ${name} (CR, LF or NUL)`);
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    head += `${name}: ${value}\r\n`;
  }
  if (body !== null) {
    // Content-Length counts UTF-8 bytes: the string's length when it is ASCII.
    const length = NON_ASCII.test(body) ? utf8.encode(body).byteLength : body.length;
    return utf8.encode(`${head}content-length: ${length}\r\n\r\n${body}`);
  }
  if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')
    head += 'content-length: 0\r\n';
  return utf8.encode(`${head}\r\n`);
}

async function exchange(run, bytes, method, bodyLimit, pool, key, tls) {
  const conn = run.conn;
  let head = null;
  let collector = null;
  let reusable = false;
  let written = null;
  let writeError = null;
  try {
    conn.received = 0;
    // Not awaited: a write that fails closes the connection, which ends the
    // read below; its error is the one that names the failure.
    written = conn.writer.write(bytes).catch((e) => {
      writeError = e;
      conn.close();
    });
    do head = await readHead(conn);
    while (head.status >= 100 && head.status < 200 && head.status !== 101);
    const framing = framingOf(method, head);
    collector = bodyCollector(head, bodyLimit);
    let complete = true;
    if (framing.kind === 'length') complete = await readLength(conn, framing.length, collector);
    else if (framing.kind === 'chunked') complete = await readChunked(conn, collector);
    else if (framing.kind === 'close') complete = await readToEnd(conn, collector);
    const { text, truncated } = await collector.finish();
    reusable = complete && framing.kind !== 'close' && head.keepAlive && !run.timedOut;
    return {
      status: head.status,
      headers: head.headers,
      body: text,
      bodyTruncated: truncated || !complete,
      bodyError: null,
    };
  } catch (thrown) {
    await written;
    const e = writeError ?? thrown;
    const code = run.timedOut ? 'timeout' : await errorCode(e, conn, tls);
    if (head !== null) {
      // The status stands; the body broke off.
      return {
        status: head.status,
        headers: head.headers,
        body: collector ? (await collector.finish()).text : '',
        bodyTruncated: true,
        bodyError: code === 'timeout' ? 'timeout' : 'connection_reset',
      };
    }
    const err = new SendError(code, run.timedOut ? 'timeout' : String(e?.message ?? e));
    err.stale = conn.received === 0 && code === 'connection_reset';
    throw err;
  } finally {
    if (reusable && pool) pool.give(key, conn);
    else conn.close();
  }
}

/**
 * An attempt error name for a socket failure (no status received). workerd's
 * messages are coarse: a refused connection and a failed TLS handshake both
 * read "cannot connect" over https, so a plain TCP connection to the same
 * address tells them apart (it opens: the server is there and TLS failed).
 */
async function errorCode(e, conn, tls) {
  if (e instanceof SendError) return e.code;
  const message = String(e?.message ?? e);
  if (/certificate|TLS|SSL|handshake/i.test(message)) return 'tls';
  if (/cannot connect|refused/i.test(message)) {
    if (/dns|lookup|resolve/i.test(message)) return 'dns';
    if (tls && (await opens(conn.hostname, conn.port))) return 'tls';
    return 'connection_refused';
  }
  // workerd reports some failed TLS handshakes as an opaque internal error.
  if (tls && /internal error/i.test(message)) return 'tls';
  if (/connection lost|reset|closed|disconnected/i.test(message)) return 'connection_reset';
  return conn.received === 0 ? 'connection_reset' : 'network';
}

/** Whether a plain TCP connection to hostname:port opens (within 2 s). */
async function opens(hostname, port) {
  let socket;
  let timer;
  try {
    socket = connect({ hostname, port });
    return await Promise.race([
      socket.opened.then(
        () => true,
        () => false,
      ),
      new Promise((resolve) => (timer = setTimeout(() => resolve(false), 2_000))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    socket?.close().catch(() => {});
  }
}

/** Reads a response head: { status, headers, keepAlive, chunked, length, encoding }. */
async function readHead(conn) {
  for (;;) {
    const end = indexOfCrlf2(conn.buf, conn.pos);
    if (end >= 0) {
      const text = latin1(conn.buf.subarray(conn.pos, end));
      conn.pos = end + 4;
      return parseHead(text);
    }
    if (conn.available() > HEAD_LIMIT)
      throw new SendError('network', 'response head larger than 64 KiB');
    if (!(await conn.more()))
      throw new SendError('connection_reset', 'connection closed before a complete response head');
  }
}

function parseHead(text) {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.(\d) (\d{3})(?: |$)/.exec(lines[0]);
  if (!m)
    throw new SendError(
      'network',
      `not an HTTP/1.x response: ${JSON.stringify(lines[0].slice(0, 60))}`,
    );
  const headers = [];
  let connection = '';
  let transfer = '';
  let length = null;
  let encoding = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.push([name, value]);
    if (name === 'connection') connection += `,${value.toLowerCase()}`;
    else if (name === 'transfer-encoding') transfer += `,${value.toLowerCase()}`;
    else if (name === 'content-encoding') encoding = value.toLowerCase();
    else if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value) || (length !== null && length !== Number(value)))
        throw new SendError('network', `invalid Content-Length ${JSON.stringify(value)}`);
      length = Number(value);
    }
  }
  const minor = Number(m[1]);
  const keepAlive = minor >= 1 ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  return {
    status: Number(m[2]),
    headers,
    keepAlive,
    chunked: /\bchunked\s*$/.test(transfer),
    length,
    encoding,
  };
}

function framingOf(method, head) {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return { kind: 'none' };
  if (head.chunked) return { kind: 'chunked' };
  if (head.length !== null) return { kind: 'length', length: head.length };
  return { kind: 'close' };
}

/** Reads `n` body bytes into `collector`; false when the collector had enough first. */
async function readLength(conn, n, collector) {
  let left = n;
  while (left > 0) {
    if (conn.available() === 0 && !(await conn.more()))
      throw new SendError('connection_reset', 'connection closed inside the body');
    const part = conn.take(left);
    left -= part.length;
    if (!collector.push(part)) return left === 0;
  }
  return true;
}

async function readChunked(conn, collector) {
  for (;;) {
    let line;
    while ((line = conn.line()) === null) {
      if (conn.available() > 4096) throw new SendError('network', 'invalid chunk size line');
      if (!(await conn.more()))
        throw new SendError('connection_reset', 'connection closed inside the body');
    }
    const size = parseInt(latin1(line).split(';')[0].trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new SendError('network', 'invalid chunk size');
    if (size === 0) {
      // Trailers, up to the empty line.
      for (;;) {
        let trailer;
        while ((trailer = conn.line()) === null)
          if (!(await conn.more()))
            throw new SendError('connection_reset', 'connection closed inside the body');
        if (trailer.length === 0) return true;
      }
    }
    if (!(await readLength(conn, size, collector))) return false;
    while (conn.available() < 2)
      if (!(await conn.more()))
        throw new SendError('connection_reset', 'connection closed inside the body');
    conn.take(2);
  }
}

async function readToEnd(conn, collector) {
  for (;;) {
    if (conn.available() > 0 && !collector.push(conn.take(conn.available()))) return false;
    if (!(await conn.more())) return true;
  }
}

/**
 * Keeps a response body: its first `limit` bytes as UTF-8 text, or for a
 * gzip/deflate body, the first `limit` bytes it unpacks to (at most
 * ENCODED_LIMIT packed bytes are read). push() answers false once enough is
 * kept (the caller stops reading).
 */
function bodyCollector(head, limit) {
  const format =
    head.encoding === 'gzip' || head.encoding === 'x-gzip'
      ? 'gzip'
      : head.encoding === 'deflate'
        ? 'deflate'
        : null;
  if (format) return unpackingCollector(format, limit, head.headers);
  // The kept bytes are views into the connection's buffers (never written
  // again), decoded once at the end by one shared decoder.
  const parts = [];
  let kept = 0;
  let truncated = false;
  let text = null;
  return {
    headers: head.headers,
    push(bytes) {
      const room = limit - kept;
      if (bytes.length > room) {
        parts.push(bytes.subarray(0, room));
        kept = limit;
        truncated = true;
        return false;
      }
      kept += bytes.length;
      if (bytes.length > 0) parts.push(bytes);
      return true;
    },
    async finish() {
      if (text === null) {
        let all = parts.length === 1 ? parts[0] : new Uint8Array(kept);
        if (parts.length !== 1) {
          let at = 0;
          for (const p of parts) {
            all.set(p, at);
            at += p.length;
          }
        }
        text = parts.length === 0 ? '' : utf8Decoder.decode(all);
      }
      return { text, truncated };
    },
  };
}

function unpackingCollector(format, limit, headers) {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const decoder = new TextDecoder('utf-8');
  let packed = 0;
  let kept = 0;
  let text = '';
  let full = false;
  let broken = false;
  let result = null;
  // Reads what unpacks, as it unpacks, until `limit` bytes are kept.
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const room = limit - kept;
        if (value.byteLength > room) {
          text += decoder.decode(value.subarray(0, room), { stream: true });
          kept = limit;
          full = true;
          reader.cancel().catch(() => {});
          return;
        }
        kept += value.byteLength;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      broken = true;
    }
  })();
  return {
    headers,
    push(bytes) {
      if (full || broken) return false;
      packed += bytes.length;
      // A copy: the connection's buffer is reused.
      writer.write(bytes.slice()).catch(() => {});
      return packed < ENCODED_LIMIT;
    },
    async finish() {
      if (result) return result;
      if (!full && !broken) writer.close().catch(() => {});
      else writer.abort().catch(() => {});
      await reading;
      result = { text: text + decoder.decode(), truncated: full || packed >= ENCODED_LIMIT };
      return result;
    },
  };
}
