/**
 * Docker availability: the compat flag of SPEC §4.3, the "docker image unavailable" patterns of
 * rule C2 (linear-time: the original's backtracking regex took 43 s on a 2 MB log), the run's
 * docker_image (§4.11) and the corrected required/optional counts for run_meta.
 */
import { PY_WS, isPyWhitespace } from './text';

const S = `[${PY_WS}]*`;
const MISSING_IMAGES = new RegExp(`Missing images:${S}(\\d+)`);

/** `Missing images: N` with N > 0 (first match only; the gen-2 `Missing required images:` does not match). */
export function missingImagesCount(text: string): number | null {
  const m = MISSING_IMAGES.exec(text);
  return m ? Number(m[1]) : null;
}

/** The compat docker-unavailable flag: the message, or null when unset. */
export function dockerUnavailableMessage(checkLogText: string | null): string | null {
  if (checkLogText === null) return null;
  const n = missingImagesCount(checkLogText);
  return n !== null && n > 0 ? `${n} Docker image(s) not available` : null;
}

/**
 * Case folding that keeps every index: Python's IGNORECASE also equates `İ`/`ı` with `i` and `ſ`
 * with `s`, and `İ`.toLowerCase() would be two code units.
 */
export function foldCase(text: string): string {
  return text.replace(/[İıſ]/g, (c) => (c === 'ſ' ? 's' : 'i')).toLowerCase();
}

/** True when `parts` occur in this order, each starting after the previous one ends (`a.*b.*c`, dot-all). */
function inOrder(folded: string, parts: readonly string[], from = 0): boolean {
  let at = from;
  for (const part of parts) {
    const i = folded.indexOf(part, at);
    if (i < 0) return false;
    at = i + part.length;
  }
  return true;
}

/** Pattern 1: `ERROR:\s*Could not find and (pull|obtain) any valid` … later `image`. */
function couldNotFindImage(folded: string): boolean {
  for (let i = folded.indexOf('error:'); i >= 0; i = folded.indexOf('error:', i + 1)) {
    let j = i + 'error:'.length;
    while (j < folded.length && isPyWhitespace(folded[j])) j++;
    for (const verb of ['pull', 'obtain']) {
      const phrase = `could not find and ${verb} any valid`;
      if (folded.startsWith(phrase, j)) return folded.indexOf('image', j + phrase.length) >= 0;
    }
  }
  return false;
}

export interface DockerPattern {
  /** 1-based, as in SPEC §4.6 (rule id `C2.{n}`). */
  index: number;
  message: string;
}

const DOCKER_PATTERNS: Array<{ message: string; test: (folded: string) => boolean }> = [
  { message: 'Docker image not available', test: couldNotFindImage },
  { message: 'Docker image not found for today or yesterday', test: (f) => inOrder(f, ['no image found for today', 'yesterday either']) },
  { message: 'Docker image not available (tried primary and fallback)', test: (f) => inOrder(f, ['primary version', 'not found', 'fallback', 'not found']) },
  { message: 'Docker image not found', test: (f) => inOrder(f, ['error:', 'image', 'not found']) },
  { message: 'Failed to pull Docker image', test: (f) => inOrder(f, ['failed to pull', 'image might be a local build']) },
];

/**
 * A piece that every pattern's match must contain (at the same index, as folding keeps indices), chosen
 * without `i`, `s` or `k`, the only letters that non-ASCII characters fold to: so a plain ASCII
 * case-insensitive search on the raw text says exactly whether folding is worth doing (a long log
 * without any of them is never folded).
 */
const DOCKER_CUES = /error:|found for today|mary ver|led to pull/i;

/** The first docker-unavailable pattern (C2) that matches anywhere, case-insensitively; linear time. */
export function matchDockerPattern(text: string, folded: string | (() => string) = () => foldCase(text)): DockerPattern | null {
  if (!DOCKER_CUES.test(text)) return null;
  const lower = typeof folded === 'string' ? folded : folded();
  for (let i = 0; i < DOCKER_PATTERNS.length; i++) {
    if (DOCKER_PATTERNS[i].test(lower)) return { index: i + 1, message: DOCKER_PATTERNS[i].message };
  }
  return null;
}

const IMAGE_CHARS = '[\\p{L}\\p{N}_.\\-:/]';
const IMAGE_TOKEN = new RegExp(`${IMAGE_CHARS}*`, 'uy');

/**
 * `Image:\s*([\w.\-:/]*{hw}[\w.\-:/]*)` (i) in linear time: the regex's capture is always the whole
 * image token after the label, so take each token once and test it for the hardware name. A regex
 * would rescan the rest of a long token from every later `Image:` inside it.
 */
function ownHardwareImage(text: string, hw: string): string | null {
  const folded = foldCase(text);
  const needle = hw.toLowerCase();
  let from = 0;
  for (let i = folded.indexOf('image:', from); i >= 0; i = folded.indexOf('image:', from)) {
    let j = i + 'image:'.length;
    while (j < folded.length && isPyWhitespace(folded[j])) j++;
    IMAGE_TOKEN.lastIndex = j;
    const token = IMAGE_TOKEN.exec(folded)?.[0] ?? '';
    if (token.includes(needle)) return text.slice(j, j + token.length);
    // Any later `Image:` inside this token yields a suffix of it: no hardware name there either.
    from = Math.max(i + 1, j + token.length);
  }
  return null;
}

/** Run-level docker image (§4.11): own hardware's `Image:`, else `Docker image:`, else any `Image:`. */
export function dockerImageOf(text: string, hw: string): { image: string | null; own: string | null } {
  const own = ownHardwareImage(text, hw);
  if (own) return { image: own, own };
  const docker = new RegExp(`Docker image:${S}(${IMAGE_CHARS}+)`, 'iu').exec(text);
  if (docker) return { image: docker[1], own: null };
  const any = new RegExp(`Image:${S}(${IMAGE_CHARS}+)`, 'iu').exec(text);
  return { image: any ? any[1] : null, own: null };
}

export type DockerCheckFormat = 'gen1' | 'gen2' | 'none';

export interface DockerCheckFacts {
  format: DockerCheckFormat;
  requiredMissing: number | null;
  optionalMissing: number | null;
}

/** Corrected reading of docker_image_check.log for run_meta (SPEC §2.4 gen 1 / gen 2). */
export function dockerCheckFacts(text: string | null): DockerCheckFacts {
  if (text === null) return { format: 'none', requiredMissing: null, optionalMissing: null };
  const required = new RegExp(`Missing required images:${S}(\\d+)`).exec(text);
  const optional = new RegExp(`Missing optional images:${S}(\\d+)`).exec(text);
  if (required || optional || /\(rocm\d+\)/.test(text)) {
    return { format: 'gen2', requiredMissing: required ? Number(required[1]) : null, optionalMissing: optional ? Number(optional[1]) : null };
  }
  const legacy = missingImagesCount(text);
  if (legacy !== null || text.includes('discovering ROCM version')) {
    return { format: 'gen1', requiredMissing: legacy, optionalMissing: null };
  }
  return { format: 'none', requiredMissing: null, optionalMissing: null };
}
