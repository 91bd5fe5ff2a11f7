/**
 * `Performance Summary:` section of an online timing summary (SPEC §2.4, §4.16 a). Blocks are
 * `Concurrency N:` (DeepSeek) or `Request Rate N:` (Grok) followed by indented `E2E Latency: x ms`,
 * `TTFT: x ms`, `ITL: x ms`, `Output throughput: x tok/s` lines; crashed runs print `NA` or an empty
 * `(tok/s): tok/s`, which are skipped silently. Pure: text in, records out.
 */
import { isNotAvailable, parseDecimal, type LoadMetric, type ParseProblem } from '../core/metric-names';

const SUMMARY_METRICS: ReadonlyArray<{ label: RegExp; metric: string; unit: RegExp }> = [
  { label: /^E2E Latency$/, metric: 'e2e_latency_ms', unit: /^ms$/ },
  { label: /^TTFT$/, metric: 'ttft_ms', unit: /^ms$/ },
  { label: /^ITL$/, metric: 'itl_ms', unit: /^ms$/ },
  { label: /^Output throughput$/, metric: 'output_throughput_tok_s', unit: /^(tok|token)\/s$/ },
];

const BLOCK_HEADER = /^(Concurrency|Request Rate)\s+([^\s:]+):\s*$/;

export interface SummaryMetrics {
  /** False when the file has no `Performance Summary:` line at all. */
  found: boolean;
  metrics: LoadMetric[];
  problems: ParseProblem[];
}

/**
 * `  Label: value` as `^\s+([^:]+):\s*(.*)$` reads it (label before the first colon, at least one
 * character after the indent; the value has no line break), without that pattern's quadratic retries
 * of the indent against the label on a line of blanks.
 */
function labelledValue(raw: string): [string, string, string] | null {
  const colon = raw.indexOf(':');
  if (colon < 2 || !/^\s/.test(raw)) return null;
  const value = raw.slice(colon + 1).replace(/^\s+/, '');
  return /[\n\r\u2028\u2029]/.test(value) ? null : [raw, raw.slice(0, colon), value];
}

/** A trimmed value as `^(\S*)\s*(\S*)$` splits it: at most two words, else null (found by a split, not a retrying regex). */
function numberAndUnit(valueText: string): [string, string, string] | null {
  const words = valueText === '' ? [] : valueText.split(/\s+/);
  return words.length <= 2 ? [valueText, words[0] ?? '', words[1] ?? ''] : null;
}

export function parsePerformanceSummary(text: string): SummaryMetrics {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Performance Summary:');
  const out: SummaryMetrics = { found: start >= 0, metrics: [], problems: [] };
  if (start < 0) return out;
  let block: { kind: LoadMetric['load_kind']; value: number } | null = null;
  let blockValid = true;
  for (let i = start + 1; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const lineNo = i + 1;
    if (raw.trim() === '' || /^=+$/.test(raw.trim()) && block === null && i === start + 1) continue;
    const header = BLOCK_HEADER.exec(raw);
    if (header) {
      const load = parseDecimal(header[2]);
      blockValid = load !== null && Number.isInteger(load) && load >= 0;
      block = blockValid ? { kind: header[1] === 'Concurrency' ? 'concurrency' : 'request_rate', value: load as number } : null;
      if (!blockValid) out.problems.push({ line: lineNo, message: `block "${raw.trim()}" has no integer load value; block skipped` });
      continue;
    }
    // Any other unindented line ends the section (`Server Error Check:`, the summary banner).
    if (!/^\s/.test(raw)) break;
    if (!blockValid) continue;
    const m = labelledValue(raw);
    if (!m) {
      out.problems.push({ line: lineNo, message: `unrecognised line "${raw.trim()}" in Performance Summary` });
      continue;
    }
    const spec = SUMMARY_METRICS.find((s) => s.label.test(m[1].trim()));
    if (!spec) continue; // e.g. `Throughput: N/A requests/s`: a field the summary never fills
    if (!block) {
      out.problems.push({ line: lineNo, message: `"${raw.trim()}" outside a Concurrency/Request Rate block` });
      continue;
    }
    const valueText = m[2].trim();
    const vm = numberAndUnit(valueText);
    const numberText = vm ? vm[1] : valueText;
    if (isNotAvailable(numberText) || !/\d/.test(valueText)) continue;
    const value = parseDecimal(numberText);
    if (value === null || (vm && vm[2] !== '' && !spec.unit.test(vm[2]))) {
      out.problems.push({ line: lineNo, message: `malformed value "${valueText}" for ${m[1].trim()}; skipped` });
      continue;
    }
    out.metrics.push({ load_kind: block.kind, load_value: block.value, metric: spec.metric, value });
  }
  return out;
}
