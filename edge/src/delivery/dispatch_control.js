// Reaching a campaign's CampaignDispatch objects from outside them: the
// stub of one slice, the list of slices the campaign has used (kept by the
// workspace, table campaign_slices, filled by CampaignDispatch.enqueue
// through workspace.noteSlice), and notifyCampaign, which the campaign
// routes call after every transition or edit.

import { dispatchStub, workspaceStub } from '../stubs.js';
import { isSliceName, sliceOrder } from './slices.js';

/**
 * The slices `key` has used, in sliceOrder (the order deliveries are paged
 * in). Asks the workspace (campaignSlices); names it lists that are not
 * slice names are ignored.
 */
export async function slicesOf(env, key) {
  const listed = (await workspaceStub(env).campaignSlices(key)).map(String);
  return sliceOrder(listed.filter(isSliceName));
}

/**
 * Tells every slice of campaign `key` its new status and version:
 * paused holds what was not dispatched, running continues, ended cancels
 * what was not dispatched. Resolves when every slice has taken it.
 */
export async function notifyCampaign(env, key, { status, version }) {
  const slices = await slicesOf(env, key);
  const answers = await Promise.all(
    slices.map((s) => dispatchStub(env, key, s).control({ status, version })),
  );
  return { slices: slices.length, cancelled: answers.reduce((n, a) => n + (a?.cancelled ?? 0), 0) };
}

/** Σ deliveryCounts() over the campaign's slices (same shape). */
export async function campaignDeliveryCounts(env, key) {
  const slices = await slicesOf(env, key);
  const total = {
    sent: 0,
    delivered: 0,
    failed: 0,
    pending: 0,
    retried: 0,
    cancelled: 0,
    suppressed: { personalization: 0 },
    waiting: { destination: 0, quietHours: 0 },
  };
  for (const c of await Promise.all(
    slices.map((s) => dispatchStub(env, key, s).deliveryCounts()),
  )) {
    for (const k of ['sent', 'delivered', 'failed', 'pending', 'retried', 'cancelled'])
      total[k] += c[k];
    total.suppressed.personalization += c.suppressed.personalization;
    total.waiting.destination += c.waiting?.destination ?? 0;
    total.waiting.quietHours += c.waiting?.quietHours ?? 0;
  }
  return total;
}
