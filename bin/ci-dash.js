#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (built by `npm install` via the prepare script, or `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
// `ci-dash … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(0); throw err; });
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('ci-dash: not built yet; run `npm run build` (or `npm install`) first\n');
  process.exit(1);
}
require(entry).main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`ci-dash: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
