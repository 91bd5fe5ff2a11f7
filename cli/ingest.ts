import type { Command } from 'commander';

// Placeholder: filled in by the issue that owns these commands.
export function registerIngestCommands(_program: Command): void {}
