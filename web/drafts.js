// Unsaved edits, per campaign and step, kept while the tab lives: moving
// between steps must not throw away what was typed. A draft is dropped when
// it is saved or when the stored campaign it started from changes; leaving
// the page with unsaved drafts asks first.
const drafts = new Map(); // `${campaignKey}/${step}` -> { base, value }

/**
 * The draft of `step` for a campaign, or `fresh` when there is none or the
 * stored content it was based on (`base`, any JSON value) has changed since.
 */
export function takeDraft(campaignKey, step, base, fresh) {
  const d = drafts.get(`${campaignKey}/${step}`);
  return d && d.base === JSON.stringify(base) ? d.value : fresh;
}

/** Remembers (or, when `dirty` is false, forgets) the draft of a step. */
export function keepDraft(campaignKey, step, base, value, dirty) {
  const id = `${campaignKey}/${step}`;
  if (dirty) drafts.set(id, { base: JSON.stringify(base), value });
  else drafts.delete(id);
}

addEventListener('beforeunload', (event) => {
  if (drafts.size > 0) event.preventDefault();
});
