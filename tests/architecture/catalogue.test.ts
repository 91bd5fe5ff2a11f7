/**
 * The task catalogue has one home: core/tasks.ts. This test reads the product's sources (TypeScript of the
 * layered folders, the EJS views, the page scripts) and fails where one of them spells a task name, a cron
 * log name or a UI group of the catalogue instead of looking it up. SPEC text, tests and fixtures may.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { SANITY_CRON_LOG, SANITY_TASK_NAME, TASKS, TASK_GROUPS } from '../../core/tasks';

const CATALOGUE_FILE = path.join('core', 'tasks.ts');

/** Every product source file below `dir` whose name ends with one of `endings`. */
function filesUnder(dir: string, endings: readonly string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, endings));
    else if (endings.some((e) => entry.name.endsWith(e))) out.push(p);
  }
  return out;
}

/** The product's source folders (the layers of tests/architecture/layers.test.ts). */
const PRODUCT_FOLDERS = ['core', 'parsers', 'database', 'read', 'ingest', 'alerts', 'digest', 'sync', 'dashboard', 'cli'];

export function productSources(root = PROJECT_ROOT): string[] {
  return [
    path.join(root, 'config.ts'),
    ...PRODUCT_FOLDERS.flatMap((u) => filesUnder(path.join(root, u), ['.ts'])),
    ...filesUnder(path.join(root, 'views'), ['.ejs']),
    ...filesUnder(path.join(root, 'public', 'js'), ['.js', '.ts']),
  ];
}

/** The catalogue's spellings: task names (the sanity pseudo-task included), cron logs and UI groups. */
const SPELLINGS: readonly string[] = [
  ...TASKS.map((t) => t.name),
  SANITY_TASK_NAME,
  ...TASKS.map((t) => t.cronLog),
  SANITY_CRON_LOG,
  ...TASK_GROUPS.map((g) => g.name),
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A whole spelling: `Sanity Checks` or `my_test_nightly.log` do not count as `Sanity Check` or `test_nightly.log`. */
const SPELLING_RE = new RegExp(`(?<![\\w])(${SPELLINGS.map(escape).join('|')})(?![\\w])`, 'g');

/** Whole-line comments may name a task (they explain, they do not decide anything). */
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*|<%#)/;

/** `file:line: spelling` for every spelling in code outside the catalogue's file. */
export function strayCatalogueSpellings(root = PROJECT_ROOT): string[] {
  const found: string[] = [];
  for (const file of productSources(root)) {
    const rel = path.relative(root, file);
    if (rel === CATALOGUE_FILE) continue;
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (COMMENT_LINE.test(line)) return;
        for (const m of line.matchAll(SPELLING_RE)) found.push(`${rel}:${i + 1}: ${m[1]}`);
      });
  }
  return found;
}

describe('task catalogue has one source file', () => {
  it('knows what to look for (11 tasks, their cron logs, 3 groups, the sanity job)', () => {
    expect(SPELLINGS).toHaveLength(11 + 1 + 11 + 1 + 3);
    expect(SPELLINGS).toContain('Grok Online Benchmark');
    expect(SPELLINGS).toContain('DeepSeek DP+MTP Test');
    expect(SPELLINGS).toContain('Docker Image Check');
    expect(SPELLINGS).toContain('grok_nightly.log');
  });

  it('scans the product: the catalogue file itself is where the names are', () => {
    const sources = productSources().map((f) => path.relative(PROJECT_ROOT, f));
    expect(sources).toContain(CATALOGUE_FILE);
    expect(sources).toContain(path.join('views', 'hardware.ejs'));
    expect(sources).toContain(path.join('public', 'js', 'database.js'));
    const catalogue = fs.readFileSync(path.join(PROJECT_ROOT, CATALOGUE_FILE), 'utf8');
    expect(catalogue.match(SPELLING_RE)?.length).toBeGreaterThanOrEqual(SPELLINGS.length);
  });

  it('finds a spelling planted in a product folder', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
    try {
      fs.mkdirSync(path.join(root, 'alerts'), { recursive: true });
      fs.mkdirSync(path.join(root, 'views'), { recursive: true });
      fs.writeFileSync(path.join(root, 'config.ts'), '');
      fs.writeFileSync(path.join(root, 'alerts', 'x.ts'), "/** Skips the Docker Image Check. */\nconst SKIP = new Set(['Docker Image Check']);\n");
      fs.writeFileSync(path.join(root, 'views', 'y.ejs'), '<h2>Sanity Checks</h2>\n<a href="grok_nightly.log">log</a>\n');
      expect(strayCatalogueSpellings(root)).toEqual(['alerts/x.ts:2: Docker Image Check', 'views/y.ejs:2: grok_nightly.log']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('no product source outside core/tasks.ts spells a task name, cron log or UI group', () => {
    expect(strayCatalogueSpellings()).toEqual([]);
  });
});
