#!/usr/bin/env node
'use strict';
// stdin → stdout, one line at a time, through the project's single redactSecrets (core/redact.ts), so
// job logs never store tokens, `sig=` values or webhook URLs (SPEC §11 S5). Used by run-job.sh.
const path = require('node:path');
const fs = require('node:fs');
const readline = require('node:readline');

function loadRedactor() {
  const built = path.join(__dirname, '..', 'dist', 'core', 'redact.js');
  if (fs.existsSync(built)) return require(built).redactSecrets;
  // Not built yet (a dev checkout): load the TypeScript source through tsx, a dev dependency.
  require('tsx/cjs');
  return require(path.join(__dirname, '..', 'core', 'redact.ts')).redactSecrets;
}

const redact = loadRedactor();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => process.stdout.write(`${redact(line)}\n`));
