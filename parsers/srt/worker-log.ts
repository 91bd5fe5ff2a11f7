/**
 * SGLang worker logs of a disaggregated run: `{node}_{prefill|decode|frontend}_{id}.{err|out}`.
 * Scheduler lines carry a tag `[YYYY-MM-DD HH:MM:SS DPn TPn EPn]`, `[… TPn]` or `[… PPn]`; we keep
 * `Prefill batch`, `Decode batch` and the memory lines (weights, KV cache) as typed samples.
 */
export type WorkerType = 'prefill' | 'decode' | 'frontend';
export type SampleKind = 'prefill_batch' | 'decode_batch' | 'memory';

export interface WorkerLogName {
  node: string;
  workerType: WorkerType;
  workerId: string;
}

/** The numbers a batch or memory line can carry (each null when the line does not say). */
export const SAMPLE_FIELDS = [
  'new_seq', 'new_token', 'cached_token', 'num_token', 'token_usage', 'preallocated_usage', 'running_req', 'queue_req',
  'prealloc_req', 'inflight_req', 'transfer_req', 'input_throughput', 'gen_throughput', 'avail_mem_gb', 'mem_usage_gb',
  'kv_size_gb', 'kv_tokens',
] as const;
export type SampleField = (typeof SAMPLE_FIELDS)[number];

/** One sample of a worker log; ingest stores it as an `srt_node_metrics` row with the run and file identity. */
export type NodeSample = Record<SampleField, number | null> & {
  kind: SampleKind;
  ts: string;
  line: number;
  dp_rank: number | null;
  tp_rank: number | null;
  ep_rank: number | null;
  pp_rank: number | null;
};

const LOG_NAME_RE = /^(.+)_(prefill|decode|frontend)_([^.]+)\.(err|out)$/;

export function parseWorkerLogName(fileName: string): WorkerLogName | null {
  const m = LOG_NAME_RE.exec(fileName);
  return m ? { node: m[1], workerType: m[2] as WorkerType, workerId: m[3] } : null;
}

// One regex for all three tag forms: the rank tokens are optional and ordered DP, TP, EP, PP.
// The body after the tag is cut off by hand: `\]\s*(.*)$` retried every split of a run of blanks.
const TAG_RE = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: DP(\d+))?(?: TP(\d+))?(?: EP(\d+))?(?: PP(\d+))?\]/;
const LINE_BREAK = /[\n\r\u2028\u2029]/;

// Batch-line field names as SGLang prints them → our column.
const PREFILL_FIELDS: Record<string, SampleField> = {
  '#new-seq': 'new_seq',
  '#new-token': 'new_token',
  '#cached-token': 'cached_token',
  'token usage': 'token_usage',
  '#running-req': 'running_req',
  '#queue-req': 'queue_req',
  '#prealloc-req': 'prealloc_req',
  '#inflight-req': 'inflight_req',
  'input throughput (token/s)': 'input_throughput',
};

const DECODE_FIELDS: Record<string, SampleField> = {
  '#running-req': 'running_req',
  '#token': 'num_token',
  '#full token': 'num_token',
  'token usage': 'token_usage',
  'pre-allocated usage': 'preallocated_usage',
  '#prealloc-req': 'prealloc_req',
  '#transfer-req': 'transfer_req',
  '#queue-req': 'queue_req',
  'gen throughput (token/s)': 'gen_throughput',
};

const MEMORY_PATTERNS: Array<[RegExp, SampleField]> = [
  [/avail mem=([\d.]+)\s*GB/, 'avail_mem_gb'],
  [/mem usage=([\d.]+)\s*GB/, 'mem_usage_gb'],
  [/KV size:\s*([\d.]+)\s*GB/, 'kv_size_gb'],
  [/#tokens:\s*(\d+)/, 'kv_tokens'],
];

function emptySample(kind: SampleKind, ts: string, line: number, ranks: Array<string | undefined>): NodeSample {
  const rank = (v: string | undefined) => (v === undefined ? null : Number(v));
  const sample = { kind, ts, line, dp_rank: rank(ranks[0]), tp_rank: rank(ranks[1]), ep_rank: rank(ranks[2]), pp_rank: rank(ranks[3]) } as NodeSample;
  for (const field of SAMPLE_FIELDS) sample[field] = null;
  return sample;
}

/** `key: value, key: value, …` after the batch label; unknown keys (e.g. `cuda graph`) are ignored. */
function fillFields(sample: NodeSample, body: string, fields: Record<string, SampleField>): void {
  for (const part of body.split(',')) {
    const colon = part.lastIndexOf(':');
    if (colon < 0) continue;
    const field = fields[part.slice(0, colon).trim()];
    const value = Number(part.slice(colon + 1).trim());
    if (field && part.slice(colon + 1).trim() !== '' && Number.isFinite(value)) sample[field] = value;
  }
}

/** Every batch and memory sample of one worker log, in file order. */
export function parseWorkerLog(text: string): NodeSample[] {
  const samples: NodeSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.length === 0 || raw.charCodeAt(0) !== 91 /* [ */) continue;
    const line = raw.trimEnd();
    const m = TAG_RE.exec(line);
    if (!m) continue;
    const body = line.slice(m[0].length).trimStart();
    if (LINE_BREAK.test(body)) continue;
    const ranks = [m[2], m[3], m[4], m[5]];
    if (body.startsWith('Prefill batch')) {
      const s = emptySample('prefill_batch', m[1], i + 1, ranks);
      fillFields(s, body.slice('Prefill batch'.length), PREFILL_FIELDS);
      samples.push(s);
    } else if (body.startsWith('Decode batch')) {
      const s = emptySample('decode_batch', m[1], i + 1, ranks);
      fillFields(s, body.slice('Decode batch'.length), DECODE_FIELDS);
      samples.push(s);
    } else if (/avail mem=|mem usage=|KV size:/.test(body)) {
      const s = emptySample('memory', m[1], i + 1, ranks);
      for (const [re, field] of MEMORY_PATTERNS) {
        const hit = re.exec(body);
        if (hit) s[field] = Number(hit[1]);
      }
      samples.push(s);
    }
  }
  return samples;
}
