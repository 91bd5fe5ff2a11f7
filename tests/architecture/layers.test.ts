/**
 * The layers point one way: this test reads every import of the product's TypeScript sources and fails
 * on an edge between top-level folders that the table below does not allow. The table is a DAG, so no
 * two folders can import each other, directly or in a loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';

/** What each top-level unit may import (besides itself and node_modules). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  parsers: ['core'],
  config: ['core'],
  database: ['core', 'config'],
  read: ['core', 'database', 'config'],
  ingest: ['core', 'parsers', 'database', 'config'],
  alerts: ['core', 'read', 'database', 'config'],
  digest: ['core', 'read', 'alerts', 'database', 'config'],
  sync: ['core', 'database', 'config'],
  // parsers: the upstream page parses the log tree's coverage reports on demand (services/upstream-files.ts).
  dashboard: ['core', 'parsers', 'read', 'database', 'config', 'alerts', 'sync'],
  cli: ['core', 'parsers', 'read', 'database', 'config', 'ingest', 'alerts', 'digest', 'sync', 'dashboard'],
};

const SOURCE_UNITS = Object.keys(ALLOWED);

function unitOf(file: string): string | null {
  const rel = path.relative(PROJECT_ROOT, file).split(path.sep);
  if (rel.length === 1 && rel[0] === 'config.ts') return 'config';
  return SOURCE_UNITS.includes(rel[0]) && rel.length > 1 ? rel[0] : null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** Every relative import of the product, as [file, unit, imported unit]. */
export function importEdges(root = PROJECT_ROOT): Array<{ file: string; from: string; to: string }> {
  const files = [path.join(root, 'config.ts'), ...SOURCE_UNITS.filter((u) => u !== 'config' && fs.existsSync(path.join(root, u))).flatMap((u) => sourceFiles(path.join(root, u)))];
  const edges: Array<{ file: string; from: string; to: string }> = [];
  for (const file of files) {
    const from = unitOf(file);
    if (!from) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
      const to = unitOf(path.resolve(path.dirname(file), m[2]) + (m[2].endsWith('.ts') ? '' : '.ts')) ?? unitOf(path.resolve(path.dirname(file), m[2], 'x'));
      if (to === null) edges.push({ file: path.relative(root, file), from, to: `outside:${m[2]}` });
      else if (to !== from) edges.push({ file: path.relative(root, file), from, to });
    }
  }
  return edges;
}

describe('import graph', () => {
  it('the allowed-edges table has no loop', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (u: string, trail: string[]): void => {
      if (done.has(u)) return;
      expect(visiting.has(u), `loop: ${[...trail, u].join(' -> ')}`).toBe(false);
      visiting.add(u);
      for (const v of ALLOWED[u]) visit(v, [...trail, u]);
      visiting.delete(u);
      done.add(u);
    };
    for (const u of SOURCE_UNITS) visit(u, []);
  });

  it('finds the imports it checks (a parser imports core)', () => {
    const edges = importEdges();
    expect(edges.some((e) => e.from === 'parsers' && e.to === 'core')).toBe(true);
    expect(edges.some((e) => e.from === 'cli' && e.to === 'ingest')).toBe(true);
  });

  it('no source file imports a layer its folder may not use', () => {
    const forbidden = importEdges()
      .filter((e) => !ALLOWED[e.from].includes(e.to))
      .map((e) => `${e.file}: ${e.from} -> ${e.to}`);
    expect(forbidden).toEqual([]);
  });

  it('core and parsers do no I/O', () => {
    const io = ['core', 'parsers']
      .flatMap((u) => sourceFiles(path.join(PROJECT_ROOT, u)))
      .filter((f) => /from\s+'node:(fs|child_process|net|http|https)'|require\(['"]fs['"]\)/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(PROJECT_ROOT, f));
    expect(io).toEqual([]);
  });
});
