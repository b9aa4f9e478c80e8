#!/usr/bin/env node
// hookcast CLI: validate a webhook spec, or preview one user's request as a
// curl command, a table or JSON. Every rule is the engine's; this file only
// reads files, parses arguments and prints.
// Exit codes: 0 ok, 1 validation/render problems, 2 usage errors.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { createEngine } from '../src/js/node.js';

const USAGE = `Usage:
  hookcast validate <campaign.json> [--allow-local-http]
  hookcast preview <campaign.json> --user <user.json> [--event <event.json>]
                   [--format curl|table|json] [--allow-local-http]
  hookcast --help | --version

campaign.json  the webhook spec {"url", "method", "params", "headers", "body"},
               or an object holding it as {"webhook": spec}
user.json      the user: {"id": "...", "properties": {...}}
event.json     the event: {"key": "...", "properties": {...}}
               Any one of the three files may be "-": standard input.

Options:
  --user <file>          user to render the preview for (preview)
  --event <file>         event that triggered the send (preview)
  --format <f>           curl (default), table or json (preview)
  --allow-local-http     allow http:// and loopback destinations (local development only)
  -h, --help             show this help
  -v, --version          show the version

Exit codes: 0 ok, 1 problems in the spec or the rendered request, 2 usage errors.
Problems print as "field: message [code]".`;

class UsageError extends Error {}

/** The file name that means standard input. */
const STDIN = '-';

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        user: { type: 'string' },
        event: { type: 'string' },
        format: { type: 'string' },
        'allow-local-http': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }

  const [command, campaignFile, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: validate or preview');
  if (command !== 'validate' && command !== 'preview')
    throw new UsageError(`unknown command "${command}": use validate or preview`);
  if (campaignFile === undefined) throw new UsageError(`${command}: missing <campaign.json>`);
  if (rest.length > 0) throw new UsageError(`${command}: unexpected argument "${rest[0]}"`);
  const fromStdin = [campaignFile, values.user, values.event].filter((f) => f === STDIN);
  if (fromStdin.length > 1)
    throw new UsageError(
      'only one of <campaign.json>, --user and --event can be "-" (standard input)',
    );
  const options = { allowLocalHttp: values['allow-local-http'] === true };

  if (command === 'validate') {
    for (const flag of ['user', 'event', 'format']) {
      if (values[flag] !== undefined)
        throw new UsageError(`validate: --${flag} only applies to preview`);
    }
    const spec = specOf(await readJson(campaignFile));
    const engine = await createEngine();
    const result = engine.validate(spec, options);
    printProblems(result.problems);
    if (result.ok)
      process.stdout.write(`${campaignFile === STDIN ? '<stdin>' : campaignFile}: ok\n`);
    return result.ok ? 0 : 1;
  }

  const format = values.format ?? 'curl';
  if (!['curl', 'table', 'json'].includes(format))
    throw new UsageError(`--format must be curl, table or json, not "${format}"`);
  if (values.user === undefined) throw new UsageError('preview: missing --user <user.json>');
  const spec = specOf(await readJson(campaignFile));
  const context = { user: await readJson(values.user) };
  if (values.event !== undefined) context.event = await readJson(values.event);

  const engine = await createEngine();
  // The engine's whole preview: the spec's warnings (as validate prints
  // them) and this render's, each once, with the curl and table views.
  const result = engine.preview(spec, context, options);
  printProblems(result.problems);
  if (!result.ok) return 1;
  if (format === 'json') {
    const rendered = { ok: true, request: result.request, warnings: result.problems };
    process.stdout.write(`${JSON.stringify(rendered, null, 2)}\n`);
  } else if (format === 'curl') process.stdout.write(`${result.curl}\n`);
  else process.stdout.write(formatTable(result.table));
  return 0;
}

// campaign.json holds the spec itself, or a campaign object with it under "webhook".
function specOf(campaign) {
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  return isObject(campaign) && isObject(campaign.webhook) ? campaign.webhook : campaign;
}

function printProblems(problems) {
  for (const p of problems) {
    const suffix = p.severity === 'warning' ? ' (warning)' : '';
    process.stderr.write(`${p.field || '(spec)'}: ${p.message} [${p.code}]${suffix}\n`);
  }
}

function formatTable(rows) {
  const width = (key) => Math.max(...rows.map((r) => r[key].length), key.length);
  const ws = width('section');
  const wk = width('key');
  // Multi-line values (a pretty body) continue under the value column.
  const pad = ' '.repeat(ws + wk + 4);
  return rows
    .map(
      (r) =>
        `${r.section.padEnd(ws)}  ${r.key.padEnd(wk)}  ${r.value.split('\n').join(`\n${pad}`)}`,
    )
    .join('\n')
    .concat('\n');
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(file) {
  let text;
  try {
    text = file === STDIN ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    const why =
      error.code === 'ENOENT'
        ? 'no such file'
        : error.code === 'EISDIR'
          ? 'is a directory'
          : error.message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  text = text.replace(/^\ufeff/, ''); // a BOM some editors write
  try {
    return JSON.parse(text);
  } catch (error) {
    const { offset, reason } = jsonErrorAt(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const name = file === STDIN ? '<stdin>' : file;
    throw new UsageError(`${name}:${line}:${column}: invalid JSON: ${reason ?? error.message}`);
  }
}

// Finds where JSON text stops being valid (V8's messages do not always give
// the position). Called only after JSON.parse failed.
function jsonErrorAt(text) {
  let i = 0;
  const fail = (reason) => {
    throw { offset: i, reason };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (word) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`expected "${word}"`);
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('control character in a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('bad escape');
      }
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const value = () => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail('expected "," or "}"');
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail('expected "," or "]"');
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return expect('true');
    if (ch === 'f') return expect('false');
    if (ch === 'n') return expect('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(i >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(ch)}`);
    i += m[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
  } catch (error) {
    if (error && typeof error.offset === 'number') return error;
    throw error;
  }
  return { offset: i, reason: undefined };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`hookcast: ${error.message}\nRun "hookcast --help" for usage.\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`hookcast: ${error?.stack ?? error}\n`);
      process.exitCode = 70; // an internal error, not the user's
    }
  },
);
