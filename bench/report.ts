/** The bench table: one row per measured figure, with its target when the issue names one. */
export interface BenchRow {
  bench: string;
  metric: string;
  value: string;
  target: string;
  ok: boolean | null;
}

/** A row for a numeric figure; `ok` compares against an upper-bound target when one is given. */
export function benchRow(bench: string, metric: string, value: number | string, unit: string, target?: number): BenchRow {
  return {
    bench,
    metric,
    value: typeof value === 'number' ? `${value.toFixed(value < 10 ? 2 : 0)} ${unit}` : value,
    target: target === undefined ? '' : `< ${target} ${unit}`,
    ok: target === undefined || typeof value !== 'number' ? null : value < target,
  };
}

/** A row for a figure whose target is a lower bound (throughput). */
export function benchRowAtLeast(bench: string, metric: string, value: number, unit: string, target: number): BenchRow {
  return { bench, metric, value: `${value.toFixed(value < 10 ? 2 : 0)} ${unit}`, target: `≥ ${target} ${unit}`, ok: value >= target };
}

export interface BenchSection {
  rows: BenchRow[];
  data: unknown;
}

export function printTable(rows: BenchRow[]): void {
  const head: BenchRow = { bench: 'bench', metric: 'metric', value: 'value', target: 'target', ok: null };
  const cells = [head, ...rows].map((r) => [r.bench, r.metric, r.value, r.target, r === head ? 'ok' : r.ok === null ? '' : r.ok ? 'yes' : 'NO']);
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  for (const c of cells) process.stdout.write(`${c.map((v, i) => (i === 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')}\n`);
}

export async function timeMs<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

/** The p-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The middle value (upper middle for an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
