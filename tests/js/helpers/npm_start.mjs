// `npm start` (scripts/start.mjs) as a child process group, node plus the
// workerd it starts, for the tests that SIGKILL it and start it again on the
// same state folder (edge_campaign_restart, edge_dispatch_restart).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort } from '../edge_helpers.mjs';
import { checkAnswer } from './openapi_check.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `npm start` on one fresh state folder, started and SIGKILLed as often as a test likes. */
export class KillableStart {
  #child = null;
  #output = '';

  /** The last 64 KiB npm start printed (every start, both streams). */
  output() {
    return this.#output;
  }

  /**
   * @param {{ key: string, prefix: string }} options the API key, and the
   *   name prefix of the state folder made in the OS temp folder.
   */
  constructor({ key, prefix }) {
    this.key = key;
    /** The state folder (HOOKCAST_STATE_DIR) every start() shares. */
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  /**
   * Starts scripts/start.mjs on free loopback ports (local http allowed) and
   * waits until GET /v1/campaigns answers 200.
   * @param {Record<string, string>} [env] more environment (the test clock's worker, its offset).
   * @returns {Promise<string>} the API origin.
   */
  async start(env = {}) {
    const [port, sinkPort, webPort] = [await closedPort(), await closedPort(), await closedPort()];
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: ROOT,
      detached: true, // its own process group, so the kill reaches workerd too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOOKCAST_API_KEY: this.key,
        HOOKCAST_STATE_DIR: this.stateDir,
        HOOKCAST_PORT: String(port),
        HOOKCAST_SINK_PORT: String(sinkPort),
        HOOKCAST_WEB_PORT: String(webPort),
        HOOKCAST_ALLOW_LOCAL_HTTP: '1',
        ...env,
      },
    });
    this.#child = child;
    let out = '';
    const keep = (d) => {
      out += d;
      // The last 64 KiB of what it printed (output()), whatever the run's length.
      this.#output = (this.#output + d).slice(-65_536);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const origin = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      try {
        const r = await fetch(`${origin}/v1/campaigns`, {
          headers: { authorization: `Bearer ${this.key}` },
        });
        if (r.status === 200) {
          checkAnswer({
            method: 'GET',
            path: '/v1/campaigns',
            status: r.status,
            contentType: r.headers.get('content-type'),
            text: await r.text(),
          });
          return origin;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`npm start did not come up:\n${out}`);
  }

  /** The running child's pid (its process group's id: workerd runs in that group), or null. */
  get pid() {
    return this.#child?.pid ?? null;
  }

  /** SIGKILLs the running child's whole process group (node and its workerd); nothing when none runs. */
  kill() {
    if (!this.#child) return;
    try {
      process.kill(-this.#child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    this.#child = null;
  }

  /** kill(), then removes the state folder. */
  dispose() {
    this.kill();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}
