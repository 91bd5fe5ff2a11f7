import { describe, expect, it } from 'vitest';
import { firstKeyword, queryTextProblem, stripLeadingComments } from '../../dashboard/explorer/sql-text';
import { explorerCsv, toJsonRecords } from '../../dashboard/explorer/export';
import { CannedQueryError, coerceParams, loadCannedQueries, parseCannedQuery } from '../../dashboard/explorer/canned';

describe('SQL text checks (messages only)', () => {
  it('strips leading whitespace and both comment styles', () => {
    expect(stripLeadingComments('  -- a\n /* b */\n\tSELECT 1')).toBe('SELECT 1');
    expect(stripLeadingComments('/* unterminated SELECT')).toBe('');
    expect(firstKeyword('/* SELECT */ DELETE FROM t')).toBe('DELETE');
    expect(firstKeyword('-- SELECT\nDROP TABLE t')).toBe('DROP');
    expect(firstKeyword('with x as (select 1) select * from x')).toBe('WITH');
  });

  it('explains why a text is refused, and lets read statements through', () => {
    expect(queryTextProblem('   -- nothing')).toBe('No query provided');
    expect(queryTextProblem('INSERT INTO t VALUES (1)')).toMatch(/must start with SELECT, WITH, VALUES or EXPLAIN \(found INSERT\)/);
    expect(queryTextProblem('x'.repeat(100_001))).toMatch(/too long/);
    // A word SQLite does not know goes on, so that SQLite's syntax error reaches the user.
    expect(queryTextProblem('SELEC 1')).toBeNull();
    expect(queryTextProblem('/* x */ REPLACE INTO t VALUES (1)')).toMatch(/\(found REPLACE\)$/);
    for (const ok of ['SELECT created_at FROM test_runs', 'values (1)', 'EXPLAIN QUERY PLAN SELECT 1', 'WITH a AS (SELECT 1) SELECT * FROM a']) {
      expect(queryTextProblem(ok)).toBeNull();
    }
  });
});

describe('exports', () => {
  it('quotes CSV fields per RFC 4180 and leaves NULL empty', () => {
    const row = (value: unknown) => explorerCsv({ columns: ['c'], rows: [[value]] }).slice('c\r\n'.length, -2);
    expect(row('a,b')).toBe('"a,b"');
    expect(row('say "hi"')).toBe('"say ""hi"""');
    expect(row('l1\nl2')).toBe('"l1\nl2"');
    expect(row('cr\r')).toBe('"cr\r"');
    expect(row(null)).toBe('');
    expect(row(0.5)).toBe('0.5');
    expect(row('=1+1')).toBe('=1+1');
    expect(explorerCsv({ columns: ['a', 'b'], rows: [[1, null]] })).toBe('a,b\r\n1,\r\n');
  });

  it('JSON export keeps types and disambiguates duplicate column names', () => {
    expect(toJsonRecords({ columns: ['n', 'n', 's'], rows: [[1, 2.5, null]] })).toEqual([{ n: 1, n_2: 2.5, s: null }]);
  });
});

describe('canned queries', () => {
  it('loads every file of queries/ with typed metadata', () => {
    const queries = loadCannedQueries();
    const names = queries.map((q) => q.name);
    for (const n of ['recent-runs', 'benchmarks-for-hardware', 'sanity-for-hardware', 'failures', 'gsm8k-average-by-date', 'failures-last-nights', 'gsm8k-by-model-over-time', 'nights-with-missing-tasks', 'slowest-benchmarks']) {
      expect(names).toContain(n);
    }
    const bench = queries.find((q) => q.name === 'benchmarks-for-hardware')!;
    expect(bench.title).toBe('Benchmarks');
    expect(bench.params.map((p) => [p.name, p.type.kind, p.default])).toEqual([['hw', 'hardware', 'mi30x'], ['limit', 'integer', 20]]);
    const byModel = queries.find((q) => q.name === 'gsm8k-by-model-over-time')!;
    expect(byModel.params.find((p) => p.name === 'model')).toMatchObject({ default: '', label: 'Model (empty = all)' });
  });

  it('refuses undeclared or unused parameters and bad values, naming file and line', () => {
    expect(() => parseCannedQuery('x', '-- @title X\nSELECT :hw')).toThrow(/queries\/x.sql: parameter :hw is used but not declared/);
    expect(() => parseCannedQuery('x', '-- @title X\n-- @param hw hardware = mi30x  HW\nSELECT 1')).toThrow(/declared but not used/);
    expect(() => parseCannedQuery('x', '-- @title X\n-- @param hw bogus\nSELECT :hw')).toThrow(/queries\/x.sql line 2/);
    const q = parseCannedQuery('x', "-- @title X\n-- @param hw hardware = mi30x  HW\n-- @param n integer(1..5) = 2  N\nSELECT :hw, ':not_a_param', :n");
    expect(coerceParams(q, {})).toEqual({ hw: 'mi30x', n: 2 });
    expect(coerceParams(q, { hw: 'mi35x', n: '5' })).toEqual({ hw: 'mi35x', n: 5 });
    expect(() => coerceParams(q, { hw: 'mi99x' })).toThrow(CannedQueryError);
    expect(() => coerceParams(q, { n: 6 })).toThrow(/integer 1..5/);
  });
});
