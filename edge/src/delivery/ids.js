// Message ids. A delivery's id is stable across all its attempts (it is the
// Standard Webhooks `webhook-id`) and names the Durable Object that owns it:
//   msg_<batch>_<index>   batch = 20 random base32 characters (100 bits)

import { randomBase32 } from '../base32.js';

const ID_RE = /^msg_([a-z2-7]{20})_(0|[1-9]\d{0,8})$/;

/** A fresh random batch id. */
export function newBatchId() {
  return randomBase32(20);
}

/** The message id of delivery `index` in `batch`. */
export function messageId(batch, index) {
  return `msg_${batch}_${index}`;
}

/** A standalone message id (test-send): its own one-delivery batch. */
export function singleMessageId() {
  return messageId(newBatchId(), 0);
}

/** { batch, index } of a message id, or null when it is not one of ours. */
export function parseMessageId(id) {
  const m = ID_RE.exec(id);
  return m ? { batch: m[1], index: Number(m[2]) } : null;
}

// Campaign deliveries live in CampaignDispatch objects named
// `${campaignKey}/${slice}` (slice: a number, or "paced"; delivery/slices.js):
//   cmsg_<campaignKey>_<slice>_<index>
// The key may itself hold "_": the slice and index are read from the right.
const CAMPAIGN_ID_RE = /^cmsg_(.+)_(\d{1,4}|paced)_(0|[1-9]\d{0,11})$/;

/** The message id of delivery `index` in campaign `key`'s slice `slice`. */
export function campaignMessageId(key, slice, index) {
  return `cmsg_${key}_${slice}_${index}`;
}

/** { key, slice, index } of a campaign message id, or null. */
export function parseCampaignMessageId(id) {
  const m = CAMPAIGN_ID_RE.exec(id);
  return m ? { key: m[1], slice: m[2], index: Number(m[3]) } : null;
}
