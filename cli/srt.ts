import type { Command } from 'commander';

// Placeholder: filled in by the issue that owns these commands.
export function registerSrtCommands(_program: Command, _importCmd: Command): void {}
