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

/**
 * Where `needle` (lowercase ASCII) occurs in `foldCase(text)`, found in `text` itself: folding keeps
 * indices, and the only non-ASCII characters that fold to ASCII are İ ı → i, ſ → s, K → k, so a
 * case-insensitive regex with those added matches exactly there, without copying a long log.
 */
function foldedNeedle(needle: string, flags: 'g' | 'y'): RegExp {
  const extra: Record<string, string> = { i: '[iIİı]', s: '[sSſ]', k: '[kKK]' };
  const body = [...needle].map((c) => extra[c] ?? c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('');
  return new RegExp(body, `i${flags}`);
}

const needles = new Map<string, { anywhere: RegExp; at: RegExp }>();

function needleRegexes(needle: string): { anywhere: RegExp; at: RegExp } {
  let found = needles.get(needle);
  if (!found) needles.set(needle, (found = { anywhere: foldedNeedle(needle, 'g'), at: foldedNeedle(needle, 'y') }));
  return found;
}

/** `foldCase(text).indexOf(needle, from)` without folding. */
function indexOfFolded(text: string, needle: string, from: number): number {
  const re = needleRegexes(needle).anywhere;
  re.lastIndex = from;
  return re.exec(text)?.index ?? -1;
}

/** `foldCase(text).startsWith(needle, at)` without folding. */
function startsWithFolded(text: string, needle: string, at: number): boolean {
  const re = needleRegexes(needle).at;
  re.lastIndex = at;
  return re.test(text);
}

/** True when `parts` occur in this order, each starting after the previous one ends (`a.*b.*c`, dot-all, case-folded). */
function inOrder(text: string, parts: readonly string[], from = 0): boolean {
  let at = from;
  for (const part of parts) {
    const i = indexOfFolded(text, part, at);
    if (i < 0) return false;
    at = i + part.length;
  }
  return true;
}

/** Pattern 1: `ERROR:\s*Could not find and (pull|obtain) any valid` … later `image`. */
function couldNotFindImage(text: string): boolean {
  for (let i = indexOfFolded(text, 'error:', 0); i >= 0; i = indexOfFolded(text, 'error:', i + 1)) {
    let j = i + 'error:'.length;
    // Folding never turns a character into whitespace or whitespace into something else.
    while (j < text.length && isPyWhitespace(text[j])) j++;
    for (const verb of ['pull', 'obtain']) {
      const phrase = `could not find and ${verb} any valid`;
      if (startsWithFolded(text, phrase, j)) return indexOfFolded(text, 'image', j + phrase.length) >= 0;
    }
  }
  return false;
}

export interface DockerPattern {
  /** 1-based, as in SPEC §4.6 (rule id `C2.{n}`). */
  index: number;
  message: string;
}

const DOCKER_PATTERNS: Array<{ message: string; test: (text: string) => boolean }> = [
  { message: 'Docker image not available', test: couldNotFindImage },
  { message: 'Docker image not found for today or yesterday', test: (t) => inOrder(t, ['no image found for today', 'yesterday either']) },
  { message: 'Docker image not available (tried primary and fallback)', test: (t) => inOrder(t, ['primary version', 'not found', 'fallback', 'not found']) },
  { message: 'Docker image not found', test: (t) => inOrder(t, ['error:', 'image', 'not found']) },
  { message: 'Failed to pull Docker image', test: (t) => inOrder(t, ['failed to pull', 'image might be a local build']) },
];

/** The first docker-unavailable pattern (C2) that matches anywhere, case-insensitively as Python's IGNORECASE; linear time. */
export function matchDockerPattern(text: string): DockerPattern | null {
  for (let i = 0; i < DOCKER_PATTERNS.length; i++) {
    if (DOCKER_PATTERNS[i].test(text)) return { index: i + 1, message: DOCKER_PATTERNS[i].message };
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
