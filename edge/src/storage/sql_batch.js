// Multi-row writes for Durable Object SQLite. Each sql.exec() call has a
// fixed cost (statement preparation and the call into the runtime) that
// dominated per-message work when every row was its own statement, and a
// Durable Object's SQLite allows 100 bound parameters per statement; so
// the rows go in as one JSON text that SQLite's json_each reads.

/** Bound parameters per statement (the runtime's limit is 100). */
export const MAX_VARS = 90;

/**
 * Inserts `rows` (arrays of values, one per column: strings, numbers,
 * null) into `table`, in order: `verb` is 'INSERT', 'INSERT OR IGNORE' or
 * 'INSERT OR REPLACE'. One statement for any number of rows: the rows go
 * in as one JSON text read by json_each (one bound value, so the 100-value
 * limit does not split them; 1000 rows of 5 columns were 56 statements).
 * Returns the number of rows written.
 */
export function insertMany(sql, verb, table, columns, rows) {
  if (rows.length === 0) return 0;
  const values = columns.map((_, i) => `value->>${i}`).join(', ');
  return sql.exec(
    `${verb} INTO ${table} (${columns.join(',')}) SELECT ${values} FROM json_each(?) ORDER BY key`,
    JSON.stringify(rows),
  ).rowsWritten;
}

/** Deletes the rows of `table` whose `column` is one of `values` (one statement, json_each). */
export function deleteIn(sql, table, column, values) {
  if (values.length === 0) return 0;
  return sql.exec(
    `DELETE FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`,
    JSON.stringify(values),
  ).rowsWritten;
}
