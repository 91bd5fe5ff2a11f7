/** Reading a test's DB file directly (read-only connection, closed after the one query). */
import BetterSqlite3 from 'better-sqlite3';

export function queryFile<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
