// Ties the lifetime of `npm start`'s workerd to start.mjs itself. miniflare
// spawns workerd as an ordinary child; when start.mjs ends without running
// its handlers (SIGKILL, an OOM kill, a crashed terminal), workerd lives on
// as an orphan that keeps the API port, so the next `npm start` dies with
// "Address already in use". A tiny detached shell watches start.mjs and stops
// its workerd children when it is gone. Linux (/proc) only; elsewhere it does
// nothing and Ctrl-C still stops everything.

import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** The pids of this process's children whose command line names workerd. */
function workerdChildren() {
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('workerd'))
        pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/**
 * Starts the watcher for the workerd processes this process has spawned
 * (call it once the runtime is ready). Answers the pids it watches.
 */
export function reapRuntimeOnExit() {
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/stat')) return [];
  const pids = workerdChildren();
  if (pids.length === 0) return pids;
  // Polls every 0.2 s; a pid is killed only if it is still a workerd (a
  // recycled pid is left alone). Exits with start.mjs either way.
  const script =
    'parent=$1; shift; while kill -0 "$parent" 2>/dev/null; do sleep 0.2; done; ' +
    'for p in "$@"; do grep -q workerd "/proc/$p/cmdline" 2>/dev/null && kill -TERM "$p"; done; exit 0';
  const watcher = spawn(
    '/bin/sh',
    ['-c', script, 'hookcast-reaper', String(process.pid), ...pids.map(String)],
    { detached: true, stdio: 'ignore' },
  );
  watcher.unref();
  return pids;
}
