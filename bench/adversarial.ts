/**
 * Bench (b): ~2 MB adversarial docker-check / cron-log inputs (SPEC §12.5) through the cron-log parser
 * and the docker-check helpers. Each input is shaped against one pattern family of §4.3/§4.6/§4.11:
 * many partial matches that a backtracking regex would retry from every start (the original took 43 s).
 */
import { spawnSync } from 'node:child_process';
import { parseCronLog } from '../parsers/cron-log';
import { dockerCheckFacts, dockerImageOf } from '../parsers/docker-check';

const SIZE = 2 * 1024 * 1024;

/** Repeats `unit` until the text is about `SIZE` characters, then appends `tail`. */
function fill(unit: string, tail = ''): string {
  return unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE) + tail;
}

export function adversarialInputs(): Array<{ name: string; text: string }> {
  return [
    { name: 'pattern 3 near-miss (primary…not found…fallback, no final not found)', text: fill('[nightly] Primary version v0.5.6 not found, trying fallback image ', '\n') },
    { name: 'pattern 1 near-miss (ERROR: Could not find and pull any valid, no "image")', text: fill('ERROR: Could not find and pull any valid ') },
    { name: 'pattern 4 near-miss (ERROR: … Image, no "not found")', text: fill('ERROR: Image pull slow\n') },
    { name: 'pattern 2 near-miss (No image found for today, no "yesterday either")', text: fill('No image found for today: rocm/sgl-dev\n') },
    { name: 'gen-2 docker check lines × many', text: fill('Searching for mi30x image (rocm700)... Missing required images: 0\nMissing optional images: 1\n') },
    { name: 'one 2 MB line without LF', text: fill('a') },
    { name: '"Image:" repeated on one line (run-level image scan)', text: fill('Image:') },
    { name: 'failed run: "FAILED (" repeated on one line, no ")"', text: `[test] test FAILED\n${fill('FAILED (x ')}` },
    { name: 'failed run: "Error:" then 2 MB of blanks', text: `[test] test FAILED\nError:${' \t'.repeat(SIZE / 2)}` },
    { name: 'failed run: "bash:" + blanks, no LF', text: `Result: FAILED\n${fill('bash: \t')}` },
  ];
}

export interface AdversarialResult {
  name: string;
  bytes: number;
  /** Slowest parser call for the input (median of the repeats); null when it hit the time limit. */
  worstMs: number | null;
  calls: Record<string, number>;
  timedOut: boolean;
}

function timeMs(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Times every parser call on one input in this process. */
function measure(index: number, repeats: number): AdversarialResult {
  const { name, text } = adversarialInputs()[index];
  const calls: Record<string, number> = {};
  const record = (label: string, fn: () => unknown) => {
    const runs = Array.from({ length: repeats }, () => timeMs(fn)).sort((a, b) => a - b);
    calls[label] = runs[Math.floor(runs.length / 2)];
  };
  record('parseCronLog(docker_image_check.log)', () => parseCronLog(text, 'docker_image_check.log'));
  record('parseCronLog(test_nightly.log)', () => parseCronLog(text, 'test_nightly.log'));
  record('dockerCheckFacts', () => dockerCheckFacts(text));
  record('dockerImageOf(mi30x)', () => dockerImageOf(text, 'mi30x'));
  return { name, bytes: Buffer.byteLength(text), worstMs: Math.max(...Object.values(calls)), calls, timedOut: false };
}

/**
 * One child process per input, so a catastrophic (super-linear) case is reported as a timeout
 * instead of hanging the bench.
 */
export function runAdversarialBench(repeats = 3, limitMs = 20_000): AdversarialResult[] {
  return adversarialInputs().map(({ name, text }, index) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', String(index), String(repeats)], { encoding: 'utf8', timeout: limitMs });
    if (res.status === 0) return JSON.parse(res.stdout) as AdversarialResult;
    return { name, bytes: Buffer.byteLength(text), worstMs: null, calls: {}, timedOut: true };
  });
}

if (require.main === module && process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(measure(Number(process.argv[3]), Number(process.argv[4]))));
}
