#!/usr/bin/env node
'use strict';
// Compiles the TypeScript sources into dist/ (`npm run build`). npm also runs this as `prepare` on
// every install, including `npm ci --omit=dev`, where the compiler (a dev dependency) is absent: with
// --if-compiler-installed it then keeps the dist/ that a built clone already has instead of failing.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const optional = process.argv.includes('--if-compiler-installed');

let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
} catch {
  tsc = null;
}

if (tsc === null) {
  const built = fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'));
  if (optional && built) {
    process.stderr.write('build: typescript is not installed (production install); using the existing dist/\n');
    process.exit(0);
  }
  const why = built ? 'typescript is not installed' : 'typescript is not installed and dist/ has no build';
  process.stderr.write(`build: ${why}; run \`npm install\` (with dev dependencies), then \`npm run build\`\n`);
  // A production install of an unbuilt clone still installs; `npm start` then says "not built yet".
  process.exit(optional ? 0 : 1);
}

const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
