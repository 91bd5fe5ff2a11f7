/**
 * Canned explorer queries: one commented `.sql` file per query in `queries/`, loaded by name (PyTorch HUD
 * style). Header lines before the SQL:
 *   -- @title Recent Runs
 *   -- @description The newest test runs.
 *   -- @param hw hardware = mi30x  Hardware
 *   -- @param limit integer(1..1000) = 10  Rows
 *   -- @param model text = ''  Model (empty = all)
 * Types: `hardware`, `integer(min..max)`, `text`. Every `:name` in the SQL must be declared and vice versa.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config';
import { HARDWARE } from '../../core/hardware';
import type { ParamValue } from './protocol';

export const QUERIES_DIR = path.join(PROJECT_ROOT, 'queries');

export type CannedParamType = { kind: 'hardware' } | { kind: 'integer'; min: number; max: number } | { kind: 'text' };

export interface CannedParam {
  name: string;
  type: CannedParamType;
  default: string | number;
  label: string;
}

export interface CannedQuery {
  name: string;
  title: string;
  description: string;
  params: CannedParam[];
  sql: string;
}

export class CannedQueryError extends Error {}

const PARAM_LINE = /^--\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(hardware|text|integer\((\d+)\.\.(\d+)\))\s*=\s*(\S*)\s*(.*)$/;

function parseType(spec: string, min?: string, max?: string): CannedParamType {
  if (spec === 'hardware') return { kind: 'hardware' };
  if (spec === 'text') return { kind: 'text' };
  return { kind: 'integer', min: Number(min), max: Number(max) };
}

/** Named parameters used in the SQL text (ignoring string literals and comments). */
function sqlParamNames(sql: string): Set<string> {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return new Set([...code.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
}

/** Parses one query file's text. Throws CannedQueryError naming the file and line. */
export function parseCannedQuery(name: string, text: string): CannedQuery {
  const lines = text.split('\n');
  let title = '';
  let description = '';
  const params: CannedParam[] = [];
  let i = 0;
  for (; i < lines.length && lines[i].trim().startsWith('--'); i++) {
    const line = lines[i].trim();
    const at = (msg: string) => new CannedQueryError(`queries/${name}.sql line ${i + 1}: ${msg}`);
    let m: RegExpExecArray | null;
    if ((m = /^--\s*@title\s+(.+)$/.exec(line))) title = m[1].trim();
    else if ((m = /^--\s*@description\s+(.+)$/.exec(line))) description = description ? `${description} ${m[1].trim()}` : m[1].trim();
    else if (/^--\s*@param\b/.test(line)) {
      const p = PARAM_LINE.exec(line);
      if (!p) throw at('expected "-- @param name hardware|text|integer(min..max) = default  Label"');
      const type = parseType(p[2], p[3], p[4]);
      // An empty text default is written '' so the label is not taken for it.
      const def = type.kind === 'integer' ? Number(p[5]) : p[5] === "''" ? '' : p[5];
      params.push({ name: p[1], type, default: def, label: p[6].trim() || p[1] });
    } else if (/^--\s*@/.test(line)) throw at(`unknown header tag in "${line}"`);
  }
  const sql = lines.slice(i).join('\n').trim();
  if (!title) throw new CannedQueryError(`queries/${name}.sql: missing "-- @title" header`);
  if (!sql) throw new CannedQueryError(`queries/${name}.sql: no SQL after the header`);
  const used = sqlParamNames(sql);
  const declared = new Set(params.map((p) => p.name));
  for (const u of used) if (!declared.has(u)) throw new CannedQueryError(`queries/${name}.sql: parameter :${u} is used but not declared`);
  for (const d of declared) if (!used.has(d)) throw new CannedQueryError(`queries/${name}.sql: parameter ${d} is declared but not used`);
  for (const p of params) coerceParam(p, p.default, name);
  return { name, title, description, params, sql };
}

/** Validates one value against its declared type; returns the value to bind. */
export function coerceParam(param: CannedParam, raw: unknown, queryName: string): ParamValue {
  const value = raw === undefined || raw === '' ? param.default : raw;
  const bad = (why: string) => new CannedQueryError(`${queryName}: parameter ${param.name} ${why}`);
  switch (param.type.kind) {
    case 'hardware':
      if (typeof value === 'string' && (HARDWARE as readonly string[]).includes(value)) return value;
      throw bad(`must be one of ${HARDWARE.join(', ')}`);
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < param.type.min || n > param.type.max) throw bad(`must be an integer ${param.type.min}..${param.type.max}`);
      return n;
    }
    case 'text':
      if (typeof value === 'string' && value.length <= 200) return value;
      throw bad('must be a text of at most 200 characters');
  }
}

export function coerceParams(query: CannedQuery, raw: Record<string, unknown>): Record<string, ParamValue> {
  return Object.fromEntries(query.params.map((p) => [p.name, coerceParam(p, raw[p.name], query.name)]));
}

/** Loads every `*.sql` of the directory, sorted by file name. */
export function loadCannedQueries(dir: string = QUERIES_DIR): CannedQuery[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort() : [];
  return files.map((f) => parseCannedQuery(f.slice(0, -'.sql'.length), fs.readFileSync(path.join(dir, f), 'utf8')));
}
