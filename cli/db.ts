import fs from 'node:fs';
import type { Command } from 'commander';
import { action, EXIT } from './context';
import { checkDatabase, checkpoint, openReader, schemaState } from '../database/connection';
import { LATEST_SCHEMA_VERSION } from '../database/migrations';
import { migrateLocked, withLockedWriter, writeTargetFor } from '../database/write';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database maintenance: migrate, check, vacuum');

  db.command('migrate')
    .description('create the database or apply pending schema migrations (also upgrades a DB written by the original)')
    .action(
      action(async (ctx) => {
        const existed = fs.existsSync(ctx.dbPath);
        const { from, applied } = await migrateLocked(writeTargetFor(ctx.settings, ctx.dbPath));
        const result = { db: ctx.dbPath, created: !existed, from: Math.max(from, 0), to: LATEST_SCHEMA_VERSION, applied };
        if (ctx.json) ctx.emit(result);
        else ctx.info(applied.length ? `Migrated ${ctx.dbPath} from schema ${result.from} to ${result.to} (applied ${applied.join(', ')})` : `${ctx.dbPath} is up to date (schema ${result.to})`);
        return EXIT.OK;
      }),
    );

  db.command('check')
    .description('PRAGMA integrity_check and foreign_key_check (read-only: works on a DB this user cannot write)')
    .action(
      action((ctx) => {
        if (!fs.existsSync(ctx.dbPath)) {
          ctx.warn(`ci-dash: no database at ${ctx.dbPath}`);
          return EXIT.FAILED;
        }
        const conn = openReader(ctx.dbPath);
        try {
          const problems = checkDatabase(conn);
          const state = schemaState(conn);
          if (ctx.json) ctx.emit({ db: ctx.dbPath, ok: problems.length === 0, problems, schema: state });
          else if (problems.length === 0) ctx.info(`ok: integrity and foreign keys (schema ${state.version}/${state.latest})`);
          else for (const p of problems) ctx.warn(p);
          return problems.length === 0 ? EXIT.OK : EXIT.FAILED;
        } finally {
          conn.close();
        }
      }),
    );

  db.command('vacuum')
    .description('rebuild the file to reclaim space (never done after a routine ingest)')
    .action(
      action((ctx) =>
        withLockedWriter(writeTargetFor(ctx.settings, ctx.dbPath), 'db vacuum', async ({ sqlite }) => {
          const before = fs.statSync(ctx.dbPath).size;
          sqlite.exec('VACUUM');
          checkpoint(sqlite);
          const after = fs.statSync(ctx.dbPath).size;
          if (ctx.json) ctx.emit({ db: ctx.dbPath, bytes_before: before, bytes_after: after });
          else ctx.info(`vacuumed ${ctx.dbPath}: ${(before / 1024).toFixed(1)} KB -> ${(after / 1024).toFixed(1)} KB`);
          return EXIT.OK;
        }),
      ),
    );
}
