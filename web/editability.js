// What a campaign's status allows to change, asked of the engine
// (engine.campaignEditable): every step that edits content reads it.
import { optional } from './engine.js';

/**
 * Whether content `fields` may change in this status, from the engine
 * (engine.campaignEditable). `null` when this engine build lacks the rule:
 * then the worker decides on save.
 */
export function editability(engine, status, fields) {
  const r = optional(engine, 'campaignEditable', status, fields);
  return r === undefined ? null : r;
}
