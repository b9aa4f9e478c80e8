// CSV text for the console's exports (RFC 4180: comma-separated, CRLF rows,
// a cell with a quote, comma or line break quoted and its quotes doubled).
// A cell is user data (a user id, a property): one that begins with =, +, -,
// @, a tab or a carriage return is what a spreadsheet reads as a formula
// (`=HYPERLINK(…)`, `-2+3+cmd|' /C calc'!A0`), so it gets a leading `'`,
// as OWASP advises: the spreadsheet shows the text, it never runs it.

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralised when it could start a formula, then quoted if it must be. */
export function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV text: a header row, then one row per item, CRLF after each. */
export function csvText(header, rows) {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
