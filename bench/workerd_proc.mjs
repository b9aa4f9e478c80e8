// The workerd processes a benchmark started (through miniflare) as Linux
// sees them in /proc: which they are, their CPU time and resident memory.
// Shared by the audience, delivery and memory benchmarks.

import fs from 'node:fs';

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/**
 * Pids of the workerd processes whose parent is this process (miniflare runs
 * one per instance), or, with `group`, those in process group `group` (the
 * workerd of an `npm start` child spawned detached); [] off Linux.
 * @param {number} [group]
 * @returns {string[]}
 */
export function workerdPids(group) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (!stat.includes('(workerd)')) return false;
      // After the name: state, ppid, pgrp, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return group === undefined ? Number(fields[1]) === process.pid : Number(fields[2]) === group;
    } catch {
      return false;
    }
  });
}

/**
 * CPU time (user + system, ms) of `pids`.
 * @param {string[]} pids
 */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks * TICK_MS;
}

/**
 * Resident memory of `pids`, in MiB: `field` VmRSS (all), RssAnon (heap: V8,
 * SQLite caches) or RssFile (mapped files, e.g. the SQLite databases' pages,
 * which the kernel can drop). A process that has exited counts 0.
 * @param {string[]} pids
 * @param {'VmRSS' | 'RssAnon' | 'RssFile'} [field]
 */
export function rssMiB(pids, field = 'VmRSS') {
  const pattern = new RegExp(`${field}:\\s+(\\d+)`);
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(pattern.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}
