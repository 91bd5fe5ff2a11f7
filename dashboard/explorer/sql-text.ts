/**
 * Checks on the SQL text of an explorer query. These only produce clear messages early; the security
 * boundary is the read-only connection plus `stmt.readonly && stmt.reader` in the child (SPEC §8).
 */

/** Longest query text accepted; a real ad-hoc query is a few hundred characters. */
export const MAX_QUERY_CHARS = 100_000;

/**
 * The keywords besides SELECT, WITH, VALUES and EXPLAIN that SQLite accepts at the start of a
 * statement (its grammar has no more). Text that starts with any other word is not SQL at all
 * (`SELEC 1`): SQLite's own syntax error says more than "read-only", so such text goes on to the
 * child, whose read-only checks stay the boundary.
 */
const WRITING_FIRST_KEYWORDS = ['ALTER', 'ANALYZE', 'ATTACH', 'BEGIN', 'COMMIT', 'CREATE', 'DELETE', 'DETACH', 'DROP', 'END', 'INSERT', 'PRAGMA', 'REINDEX', 'RELEASE', 'REPLACE', 'ROLLBACK', 'SAVEPOINT', 'UPDATE', 'VACUUM'];

/** Removes leading whitespace and `--` / `/* *\/` comments (an unterminated block comment eats the rest). */
export function stripLeadingComments(sql: string): string {
  let rest = sql;
  for (;;) {
    rest = rest.replace(/^\s+/, '');
    if (rest.startsWith('--')) {
      const nl = rest.indexOf('\n');
      rest = nl < 0 ? '' : rest.slice(nl + 1);
    } else if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/', 2);
      rest = end < 0 ? '' : rest.slice(end + 2);
    } else {
      return rest;
    }
  }
}

/** First word of the statement, upper-cased ('' when there is none). */
export function firstKeyword(sql: string): string {
  const m = /^[A-Za-z_]+/.exec(stripLeadingComments(sql));
  return m ? m[0].toUpperCase() : '';
}

/** Returns a message explaining why the text cannot be run, or null when it may go to SQLite. */
export function queryTextProblem(sql: string): string | null {
  if (sql.length > MAX_QUERY_CHARS) return `Query is too long (${sql.length} characters; the limit is ${MAX_QUERY_CHARS})`;
  if (stripLeadingComments(sql) === '') return 'No query provided';
  const keyword = firstKeyword(sql);
  if (WRITING_FIRST_KEYWORDS.includes(keyword)) {
    return `Only read-only queries are allowed: the statement must start with SELECT, WITH, VALUES or EXPLAIN (found ${keyword})`;
  }
  return null;
}
