import type { Command } from 'commander';

// Placeholder: filled in by the issue that owns these commands.
export function registerSyncCommands(_program: Command): void {}
