// What a campaign's status allows to change, asked of the engine
// (engine.campaignEditable): every step that edits content reads it.
/**
 * Whether content `fields` may change in this status, from the engine
 * (engine.campaignEditable). `null` while the engine loads (a step is then
 * read-only: no rule is known yet).
 */
export function editability(engine, status, fields) {
  return engine ? engine.campaignEditable(status, fields) : null;
}
