// The console's CSV export (web/csv.js): RFC 4180 quoting, and no cell a
// spreadsheet would read as a formula (user ids are user data). Regression:
// the exposures export wrote `=1+1`, `@SUM(1+1)`, `\t=1+1` raw into cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvText } from '../../web/csv.js';

test('a cell starting with = + - @ tab or CR gets a leading quote', () => {
  const cases = [
    ['=1+1', "'=1+1"],
    ['+SUM(1,2)', `"'+SUM(1,2)"`],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ['@SUM(1+1)', "'@SUM(1+1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
    ['=HYPERLINK("https://example.com","x")', `"'=HYPERLINK(""https://example.com"",""x"")"`],
    ['-', "'-"],
  ];
  for (const [value, cell] of cases) assert.equal(csvCell(value), cell, JSON.stringify(value));
});

test('ordinary cells are unchanged; commas, quotes and line breaks are quoted', () => {
  assert.equal(csvCell('u1'), 'u1');
  assert.equal(csvCell('2026-12-01T09:00:00.000Z'), '2026-12-01T09:00:00.000Z');
  assert.equal(csvCell('a=b'), 'a=b', 'only a leading sign starts a formula');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(42), '42');
});

test('csvText writes a header and CRLF rows, every cell neutralised', () => {
  assert.equal(
    csvText(
      ['campaign', 'userId'],
      [
        ['c_1_abcd', '=1+1'],
        ['c_1_abcd', 'u2'],
      ],
    ),
    "campaign,userId\r\nc_1_abcd,'=1+1\r\nc_1_abcd,u2\r\n",
  );
});
