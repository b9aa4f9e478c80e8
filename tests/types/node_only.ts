// A Node-only consumer: no DOM lib, @types/node, skipLibCheck off. Checked
// (never run) by tests/js/package_types.test.mjs under node16, nodenext and
// bundler resolution, with and without the DOM lib.
import { readFile } from 'node:fs/promises';

import { createEngine, HookcastError, type Engine, type RenderResult, type WebhookSpec } from 'hookcast';
import wasmModule from 'hookcast/hookcast.wasm';

export async function nodeOnly(path: string): Promise<string | null> {
  const engine: Engine = await createEngine();
  await createEngine({ wasmBinary: await readFile(path) });
  await createEngine({ wasmBinary: new Uint8Array(8).buffer });
  await createEngine({ wasmModule });
  // @ts-expect-error a path is not the bytes
  await createEngine({ wasmBinary: path });

  const spec: WebhookSpec = { url: 'https://api.example.com/{{ user.id }}', method: 'POST', body: '{}' };
  const compiled = engine.compile(spec);
  if (!compiled.ok) return compiled.problems.map((p) => `${p.field}: ${p.message}`).join('\n');
  const results: RenderResult[] = compiled.webhook.renderBatchJson('[{"user": {"id": "u1"}}]');
  const first = results[0];
  try {
    engine.retryDecision({ status: 503 }, 0);
  } catch (error) {
    if (error instanceof HookcastError && error.code === 'invalid_attempt') return 'attempts count from 1';
  }
  return first?.ok ? engine.toCurl(first.request) : null;
}
