// Multi-row INSERTs for Durable Object SQLite. Each sql.exec() call has a
// fixed cost (statement preparation and the call into the runtime) that
// dominated per-message work when every row was its own statement; one
// statement per up to MAX_VARS bound values writes the same rows with a
// fraction of the calls. A Durable Object's SQLite allows 100 bound
// parameters per statement.

/** Bound parameters per statement (the runtime's limit is 100). */
export const MAX_VARS = 90;

/**
 * Inserts `rows` (arrays of values, one per column) into `table`:
 * `verb` is 'INSERT', 'INSERT OR IGNORE' or 'INSERT OR REPLACE'.
 * Returns the number of rows written.
 */
export function insertMany(sql, verb, table, columns, rows) {
  if (rows.length === 0) return 0;
  const per = Math.max(1, Math.floor(MAX_VARS / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  let written = 0;
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per);
    const cursor = sql.exec(`${verb} INTO ${table} (${columns.join(',')}) VALUES ${part.map(() => tuple).join(',')}`, ...part.flat());
    written += cursor.rowsWritten;
  }
  return written;
}
