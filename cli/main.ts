/**
 * `ci-dash`: one commander program. Each area registers its own commands; this file only wires them
 * and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../config';
import { redactSecrets } from '../core/redact';
import { EXIT } from './context';
import { registerDbCommands } from './db';
import { registerIngestCommands } from './ingest';
import { registerServeCommands } from './serve';
import { registerSyncCommands } from './sync';
import { registerPerfCommands } from './perf';
import { registerSrtCommands } from './srt';
import { registerDigestCommands } from './digest';
import { registerAcceptanceCommands } from './acceptance';

export function buildProgram(): Command {
  const program = new Command('ci-dash')
    .description('SGLang nightly CI dashboard: ingest logs, sync the DB through git, serve the web app, alert')
    .version(TOOL_VERSION)
    .option('--db <path>', 'SQLite database file (env CI_DB_PATH, default database/ci_dashboard.db)')
    .option('--config <file>', 'JSON file with the same keys as the environment variables')
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'only warnings and errors')
    .showHelpAfterError()
    .exitOverride();
  const importCmd = new Command('import').description('import other input formats (perf-json, srt)').exitOverride();
  registerDbCommands(program);
  registerIngestCommands(program);
  registerServeCommands(program);
  registerSyncCommands(program);
  registerPerfCommands(program, importCmd);
  registerSrtCommands(program, importCmd);
  registerDigestCommands(program);
  registerAcceptanceCommands(program);
  program.addCommand(importCmd);
  // Sub-commands inherit exitOverride so usage errors come back here as exit 2.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    const e = err as Error & { exitCode?: number };
    process.stderr.write(`ci-dash: ${redactSecrets(e.message ?? String(err))}\n`);
    return typeof e.exitCode === 'number' ? e.exitCode : EXIT.FAILED;
  }
}
