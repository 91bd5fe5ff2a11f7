import type { Command } from 'commander';

// Placeholder: `ci-dash score` and `ci-dash export json` (SPEC §12), owned by the acceptance engineer.
export function registerAcceptanceCommands(_program: Command): void {}
