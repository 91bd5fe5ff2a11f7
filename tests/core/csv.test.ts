import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../core/csv';

describe('toCsv (the one CSV writer)', () => {
  const nasty = ['cr\ronly', 'lf\nonly', 'crlf\r\nboth', 'say "hi"', 'a,b', 'all\r\n",', ' padded ', ''];

  for (const eol of ['\n', '\r\n'] as const) {
    it(`a cell with CR, LF, quote and comma round-trips through csv-parse (eol ${JSON.stringify(eol)})`, () => {
      const text = toCsv([['h1', 'h2'], ...nasty.map((v, i) => [v, i])], { eol });
      expect(text.endsWith(eol)).toBe(true);
      expect(parse(text, { record_delimiter: eol })).toEqual([['h1', 'h2'], ...nasty.map((v, i) => [v, String(i)])]);
    });
  }

  it('writes NULL as an empty field and values as they read', () => {
    expect(toCsv([[null, undefined, 0, 1.5, true, 'x']])).toBe(',,0,1.5,true,x\n');
  });

  it('guards text that a spreadsheet would run as a formula, but not numbers', () => {
    expect(toCsv([['=SUM(A1)', '+1', '@x', '-cmd', '-1.5', -2, 'ok']], { formulaGuard: true })).toBe("'=SUM(A1),'+1,'@x,'-cmd,-1.5,-2,ok\n");
    expect(toCsv([['=SUM(A1)']])).toBe('=SUM(A1)\n');
  });
});
