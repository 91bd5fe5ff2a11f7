/**
 * Failure cause of one task from its logs (issue 15): the rule of core/failure-rules.ts with the
 * lowest priority that matches any scanned line decides; the excerpt is a few real lines of that
 * log, found at `file:line`. Pure: log texts in, cause out.
 *
 * Work is bounded per log: only the first `headLines` and last `tailLines` lines are scanned, a
 * pattern sees at most `matchChars` characters of a line, and a pattern only runs on a line that
 * contains one of its literal hints. The patterns themselves are linear.
 */
import {
  ERROR_LOOKING_HINTS,
  ERROR_LOOKING_NOISE,
  FAILURE_RULES,
  FAILURE_SCAN_LIMITS,
  HEADER_ONLY_SUMMARY_RULE,
  LOG_ROLE_RANK,
  type FailureCategory,
  type FailureRule,
  type LogRole,
  type TaskFamily,
} from '../core/failure-rules';
import { redactSecrets } from '../core/redact';

/** A log's text (or a window of it) and where it sits in the log tree. */
export interface LogText {
  /** Path relative to the log tree. */
  path: string;
  role: LogRole;
  text: string;
  /** 1-based line number of the text's first line in the file (a tail window starts later). */
  firstLine?: number;
}

export interface FailureCause {
  category: FailureCategory;
  /** Rule name, `timing-summary-header-only` or `unclassified`. */
  rule: string;
  summary: string;
  /** A few consecutive lines of `file` starting at `line` (a long one cut to a piece of itself; secrets redacted). */
  excerpt: string;
  file: string;
  line: number;
}

interface ScannedLog {
  log: LogText;
  order: number;
  /** Offset in the text where each line starts (lines split on LF only). */
  starts: number[];
  count: number;
  firstLine: number;
  /** Lines [0, headEnd) and [tailStart, count) are scanned. */
  headEnd: number;
  tailStart: number;
}

/** Line `i` of a log without its line break (and a CR before it). */
function lineAt(log: ScannedLog, i: number): string {
  const text = log.log.text;
  let end = i + 1 < log.starts.length ? log.starts[i + 1] - 1 : text.length;
  if (end > log.starts[i] && text[end - 1] === '\n') end--;
  if (end > log.starts[i] && text[end - 1] === '\r') end--;
  return text.slice(log.starts[i], end);
}

function isScanned(log: ScannedLog, i: number): boolean {
  return i < log.headEnd || i >= log.tailStart;
}

/** Indexes of the scanned lines, last first. */
function* scannedBackwards(log: ScannedLog): Generator<number> {
  for (let i = log.count - 1; i >= log.tailStart; i--) yield i;
  for (let i = Math.min(log.headEnd, log.tailStart) - 1; i >= 0; i--) yield i;
}

/** The line holding text offset `pos` (binary search over the line starts). */
function lineOf(log: ScannedLog, pos: number): number {
  let lo = 0;
  let hi = log.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (log.starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface Hit {
  rule: FailureRule;
  log: ScannedLog;
  index: number;
  groups: string[];
  collected: string[];
}

const LIMITS = FAILURE_SCAN_LIMITS;

/** Removes leading `[…]` log prefixes (`[pd-test] `, `[2025-12-13 11:46:38 TP3] `) and ANSI colour codes. */
export function stripLogPrefix(line: string): string {
  let s = stripAnsi(line);
  for (let guard = 0; guard < 4 && s.startsWith('['); guard++) {
    const close = s.indexOf(']');
    if (close < 0 || close > 80) break;
    s = s.slice(close + 1).replace(/^ +/, '');
  }
  return s;
}

function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(/\x1b\[[0-9;]{0,20}m/g, '') : line;
}

function scan(log: LogText, order: number): ScannedLog {
  const text = log.text;
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  // A final line break ends the last line; it does not start another one.
  if (starts.length > 1 && starts[starts.length - 1] === text.length) starts.pop();
  const count = text.length === 0 ? 0 : starts.length;
  const { headLines, tailLines } = LIMITS;
  const all = count <= headLines + tailLines;
  return { log, order, starts, count, firstLine: log.firstLine ?? 1, headEnd: all ? count : headLines, tailStart: all ? count : count - tailLines };
}

function applies(rule: FailureRule, role: LogRole, family: TaskFamily): boolean {
  return (!rule.roles || rule.roles.includes(role)) && (!rule.families || rule.families.includes(family));
}

const comparedHints = new WeakMap<FailureRule, readonly string[]>();

/** The rule's hints as a line is searched for them: lower-cased once for an `ignoreCase` rule. */
function hintsOf(rule: FailureRule): readonly string[] {
  let hints = comparedHints.get(rule);
  if (!hints) comparedHints.set(rule, (hints = rule.ignoreCase ? rule.hints.map((h) => h.toLowerCase()) : rule.hints));
  return hints;
}

/** The rule's match on one line, or null. */
function matchLine(rule: FailureRule, raw: string, folded: () => string): RegExpExecArray | null {
  const hay = rule.ignoreCase ? folded() : raw;
  if (!hintsOf(rule).some((h) => hay.includes(h))) return null;
  if (rule.unless?.some((u) => raw.includes(u))) return null;
  return rule.pattern.exec(stripLogPrefix(raw));
}

/** What the patterns see of a line: all of a short one; of a long one, its start, or what a terminal last drew after the last CR. */
function lineForMatch(line: string): string {
  return visiblePart(line, LIMITS.matchChars);
}

function visiblePart(line: string, max: number): string {
  if (line.length <= max) return line;
  const cr = line.lastIndexOf('\r');
  return (cr >= 0 ? line.slice(cr + 1) : line).slice(0, max);
}

/** A case-insensitive search for any of the literals. */
function anyOf(literals: readonly string[]): RegExp {
  const unique = [...new Set(literals.map((h) => h.toLowerCase()))];
  return new RegExp(unique.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
}

/** What the hint search of a rule set needs, built once per set (the rule table is fixed). */
interface PreparedRules {
  /** Every hint of every rule: most lines fail it at once, one native pass over a log finds the others. */
  anyHint: RegExp;
  /**
   * Lower-cased hint → indexes of the rules that may match a line where it was found: those with a
   * hint that can start at the same place (one of the two is a prefix of the other).
   */
  rulesByHint: Map<string, number[]>;
  /** The hints of exactly the rules a log's role and task allow, by rule indexes (built when first needed). */
  activeHints: Map<string, RegExp>;
}

const preparedSets = new WeakMap<readonly FailureRule[], PreparedRules>();

function prepare(rules: readonly FailureRule[]): PreparedRules {
  let prepared = preparedSets.get(rules);
  if (!prepared) {
    const lowered = rules.map((r) => r.hints.map((h) => h.toLowerCase()));
    const rulesByHint = new Map<string, number[]>();
    for (const found of new Set(lowered.flat())) {
      const related = (h: string) => found.startsWith(h) || h.startsWith(found);
      rulesByHint.set(found, lowered.flatMap((hints, i) => (hints.some(related) ? [i] : [])));
    }
    preparedSets.set(rules, (prepared = { anyHint: anyOf(lowered.flat()), rulesByHint, activeHints: new Map() }));
  }
  return prepared;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Indexes of the active rules worth trying on a line (`from`..`to` of the text; `line` is what the
 * patterns see of it). On an ASCII line only those whose hints the search finds in `line` can match.
 * Any other line is tried with every active rule when it holds one of their hints anywhere (case
 * folding beyond ASCII is left to the rules' own test, as it always was).
 */
function candidateRules(prepared: PreparedRules, rules: readonly FailureRule[], active: readonly number[], text: string, from: number, to: number, line: string): readonly number[] {
  if (NON_ASCII.test(line)) {
    const key = active.join(',');
    let hints = prepared.activeHints.get(key);
    if (!hints) prepared.activeHints.set(key, (hints = anyOf(active.flatMap((i) => rules[i].hints))));
    hints.lastIndex = 0;
    return hints.test(text.slice(from, to)) ? active : [];
  }
  const picked = new Set<number>();
  const { anyHint } = prepared;
  anyHint.lastIndex = 0;
  for (let m = anyHint.exec(line); m; m = anyHint.exec(line)) {
    const related = prepared.rulesByHint.get(m[0].toLowerCase());
    if (!related) return active;
    for (const i of related) picked.add(i);
    anyHint.lastIndex = m.index + 1;
  }
  return active.filter((i) => picked.has(i));
}

/** Every rule's first hit in every log (collecting rules gather all their captures). */
function findHits(logs: ScannedLog[], family: TaskFamily, rules: readonly FailureRule[]): Hit[] {
  const hits: Hit[] = [];
  const prepared = prepare(rules);
  const { anyHint } = prepared;
  for (const log of logs) {
    const active = rules.flatMap((r, i) => (applies(r, log.log.role, family) ? [i] : []));
    const text = log.log.text;
    const first = new Map<FailureRule, Hit>();
    // One native pass over the text finds the lines holding any hint; only those are looked at.
    anyHint.lastIndex = 0;
    for (let m = anyHint.exec(text); m; m = anyHint.exec(text)) {
      const index = lineOf(log, m.index);
      const next = index + 1 < log.starts.length ? log.starts[index + 1] : text.length;
      anyHint.lastIndex = next;
      if (!isScanned(log, index)) {
        // Jump over the unscanned middle of a big log.
        if (index < log.tailStart) anyHint.lastIndex = Math.max(next, log.starts[log.tailStart] ?? text.length);
        continue;
      }
      const line = lineForMatch(lineAt(log, index));
      let lower: string | null = null;
      const folded = () => (lower ??= line.toLowerCase());
      const candidates = candidateRules(prepared, rules, active, text, m.index, next, line);
      anyHint.lastIndex = next;
      for (const i of candidates) {
        const rule = rules[i];
        const seen = first.get(rule);
        // A bare exception (`CancelledError`, no message) is usually a consequence: a later one with a message replaces it.
        const upgradable = seen !== undefined && rule.followChain === true && !seen.groups[2];
        if (seen && !rule.collect && !upgradable) continue;
        const match = matchLine(rule, line, folded);
        if (!match) continue;
        if (seen && rule.collect) {
          if (match[1] && !seen.collected.includes(match[1])) seen.collected.push(match[1]);
          continue;
        }
        if (seen && !match[2]) continue;
        const hit: Hit = { rule, log, index, groups: Array.from(match, (g) => g ?? ''), collected: match[1] ? [match[1]] : [] };
        if (seen) hits.splice(hits.indexOf(seen), 1);
        first.set(rule, hit);
        hits.push(hit);
      }
      if (anyHint.lastIndex >= text.length) break;
    }
  }
  return hits;
}

function better(a: Hit, b: Hit): boolean {
  if (a.rule.priority !== b.rule.priority) return a.rule.priority < b.rule.priority;
  const ra = LOG_ROLE_RANK[a.log.log.role];
  const rb = LOG_ROLE_RANK[b.log.log.role];
  if (ra !== rb) return ra < rb;
  if (a.log.order !== b.log.order) return a.log.order < b.log.order;
  return a.index < b.index;
}

const CHAIN_MARKERS = ['During handling of the above exception', 'The above exception was the direct cause'];
/** Lines in a row that are not part of a traceback after which a chain is over. */
const CHAIN_FOREIGN_LINES = 3;

/** From an exception line, the final exception of its `During handling…` chain. */
function followChain(hit: Hit): Hit {
  const { log } = hit;
  let current = hit;
  let chained = false;
  let foreign = 0;
  const end = Math.min(log.count, hit.index + LIMITS.chainLines);
  for (let i = hit.index + 1; i < end; i++) {
    const line = lineForMatch(lineAt(log, i));
    if (CHAIN_MARKERS.some((m) => line.includes(m))) {
      chained = true;
      foreign = 0;
      continue;
    }
    let lower: string | null = null;
    const m = matchLine(hit.rule, line, () => (lower ??= line.toLowerCase()));
    if (m) {
      if (chained) current = { ...hit, index: i, groups: Array.from(m, (g) => g ?? '') };
      chained = false;
      foreign = 0;
      continue;
    }
    // Blank lines, `Traceback …` and indented frames belong to the chain; an exception's own notes
    // (`Set TORCHDYNAMO_VERBOSE=1 …`) may follow it, but a few other lines in a row end it.
    if (line.trim() === '') continue;
    if (line.startsWith('Traceback') || /^\s/.test(line)) foreign = 0;
    else if (++foreign >= CHAIN_FOREIGN_LINES) break;
  }
  return current;
}

function cleanText(text: string): string {
  return redactSecrets(stripAnsi(text).replace(/\s+/g, ' ').trim());
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Fills `{1}`, `{line}`, `{count}`, `{names}`, `{exception}`; drops a `[[…]]` part whose placeholder is empty. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const fill = (part: string) => part.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
  const optional = template.replace(/\[\[([^\]]*)\]\]/g, (_, part: string) => {
    const keys = [...part.matchAll(/\{(\w+)\}/g)].map((k) => k[1]);
    return keys.every((k) => (values[k] ?? '') !== '') ? fill(part) : '';
  });
  return fill(optional);
}

/**
 * A long line as the excerpt shows it: a piece of the real line. Progress bars redraw with bare CRs, so
 * what a terminal last showed (after the last CR) is kept; otherwise the line's start.
 */
function excerptLine(line: string): string {
  return visiblePart(line, LIMITS.excerptLineChars);
}

/** Consecutive real lines around `index` (blank edge lines dropped), redacted, each cut to a prefix. */
function excerptAt(log: ScannedLog, index: number, before: number, after: number): { excerpt: string; line: number } {
  let start = Math.max(0, index - before);
  let end = Math.min(log.count - 1, index + after);
  while (start < index && lineAt(log, start).trim() === '') start++;
  while (end > index && lineAt(log, end).trim() === '') end--;
  end = Math.min(end, start + LIMITS.excerptMaxLines - 1);
  const lines: string[] = [];
  for (let i = start; i <= end; i++) lines.push(redactSecrets(excerptLine(lineAt(log, i))));
  return { excerpt: lines.join('\n'), line: log.firstLine + start };
}

function causeFromHit(hit: Hit, exception: Hit | null): FailureCause {
  const rule = hit.rule;
  const values: Record<string, string> = { line: stripLogPrefix(lineForMatch(lineAt(hit.log, hit.index))).trim() };
  hit.groups.forEach((g, i) => (values[String(i)] = g.trim()));
  values.count = String(hit.collected.length);
  values.names = hit.collected.slice(0, 5).join(', ') + (hit.collected.length > 5 ? ', …' : '');
  values.exception = exception && exception !== hit ? ` — ${exceptionText(exception)}` : '';
  const { excerpt, line } = excerptAt(hit.log, hit.index, rule.before, rule.after);
  return {
    category: rule.category,
    rule: rule.name,
    summary: cut(cleanText(fillTemplate(rule.summary, values)), LIMITS.summaryChars),
    excerpt,
    file: hit.log.log.path,
    line,
  };
}

function exceptionText(hit: Hit): string {
  const [, type, message] = hit.groups;
  return message ? `${type}: ${message}` : type;
}

/** Compat rule T1: a timing summary of fewer than 20 lines without results. */
function isHeaderOnlySummary(log: ScannedLog): boolean {
  const text = log.log.text;
  return log.log.role === 'timing_summary' && text.trim().split('\n').length < 20 && !text.includes('GSM8K') && !text.includes('Total execution time');
}

/** Index of the last non-blank line, or -1. */
function lastNonBlank(log: ScannedLog): number {
  for (const i of scannedBackwards(log)) if (lineAt(log, i).trim() !== '') return i;
  return -1;
}

function looksLikeError(line: string): boolean {
  const lower = line.toLowerCase();
  return ERROR_LOOKING_HINTS.some((h) => lower.includes(h)) && !ERROR_LOOKING_NOISE.some((n) => lower.includes(n));
}

/** The last error-looking line of the most telling log; else that log's last lines. */
function unclassified(logs: ScannedLog[]): FailureCause | null {
  const ranked = [...logs].filter((l) => lastNonBlank(l) >= 0).sort((a, b) => LOG_ROLE_RANK[a.log.role] - LOG_ROLE_RANK[b.log.role] || a.order - b.order);
  for (const log of ranked) {
    for (const index of scannedBackwards(log)) {
      const line = lineForMatch(lineAt(log, index));
      if (!looksLikeError(line)) continue;
      const { excerpt, line: at } = excerptAt(log, index, 2, 0);
      return { category: 'unclassified', rule: 'unclassified', summary: cut(cleanText(stripLogPrefix(line)), LIMITS.summaryChars), excerpt, file: log.log.path, line: at };
    }
  }
  const log = ranked.find((l) => l.log.role === 'cron' || l.log.role === 'timing_summary') ?? ranked[0];
  if (!log) return null;
  const last = lastNonBlank(log);
  const { excerpt, line } = excerptAt(log, last, 2, 0);
  return { category: 'unclassified', rule: 'unclassified', summary: cut(`No error line found; ${log.log.path} ends: ${cleanText(stripLogPrefix(lineAt(log, last)))}`, LIMITS.summaryChars), excerpt, file: log.log.path, line };
}

/**
 * The cause of a failed task, from its logs in the caller's order (ties between equally ranked logs go
 * to the earlier one). Null when there is no log text at all.
 */
export function classifyFailure(family: TaskFamily, logs: readonly LogText[], rules: readonly FailureRule[] = FAILURE_RULES): FailureCause | null {
  const scanned = logs.map((log, order) => scan(log, order));
  const hits = findHits(scanned, family, rules);
  let best: Hit | null = null;
  let exception: Hit | null = null;
  for (const hit of hits) {
    if (!best || better(hit, best)) best = hit;
    if (hit.rule.followChain && (!exception || better(hit, exception))) exception = hit;
  }
  if (exception) exception = followChain(exception);
  if (best) return causeFromHit(best.rule.followChain && exception && best.rule === exception.rule ? exception : best, exception);

  const header = scanned.find(isHeaderOnlySummary);
  if (header) {
    const last = lastNonBlank(header);
    if (last >= 0) {
      const { excerpt, line } = excerptAt(header, last, 2, 0);
      return { category: HEADER_ONLY_SUMMARY_RULE.category, rule: HEADER_ONLY_SUMMARY_RULE.name, summary: HEADER_ONLY_SUMMARY_RULE.summary, excerpt, file: header.log.path, line };
    }
  }
  return unclassified(scanned);
}
