/**
 * Two renderings of one Digest: plain text (dry run, `--channel stdout|file`) and a Microsoft Teams
 * Adaptive Card v1.4 wrapped in the `message` envelope that incoming webhooks / workflows accept.
 */
import { formatRuntime } from '../core/verdicts';
import { percent, type Digest, type DigestTask } from './build';

const STATUS_ICON: Record<string, string> = { pass: '✅', fail: '❌', unknown: '❓', 'not run': '⏭️', 'no logs': '⚠️', skipped: '⏭️' };

function icon(status: string): string {
  return STATUS_ICON[status] ?? '❓';
}

/** One task as a line without links: icon, name, status, GSM8K vs threshold, runtime, error. */
export function taskLine(t: DigestTask): string {
  // The task's one display word, as on the pages (issue 16.5): a task whose job never ran reads "not run".
  const parts = [`${icon(t.state)} ${t.name}: ${t.state}`];
  if (t.gsm8k !== null) {
    const vs = t.threshold !== null ? ` (threshold ≥ ${percent(t.threshold)}${t.belowThreshold ? ', BELOW' : ''})` : '';
    parts.push(`GSM8K ${percent(t.gsm8k)}${vs}`);
  }
  const runtime = formatRuntime(t.runtimeMinutes);
  if (runtime) parts.push(runtime);
  if (t.error && t.status !== 'pass') parts.push(t.error);
  if (t.cause) parts.push(`cause: ${t.cause}`);
  if (t.note) parts.push(t.note);
  return parts.join(' — ');
}

function overviewFacts(d: Digest): Array<[string, string]> {
  const c = d.counts;
  return [
    ['Machine', d.machines.length > 1 ? `${d.machine} (also: ${d.machines.filter((m) => m !== d.machine).join(', ')})` : d.machine],
    ['Docker image', `${d.dockerImage ?? 'none found'}${d.imageHardwareMismatch ? ` (${d.imageHardwareMismatch})` : ''}`],
    ['Overall', d.overallStatus],
    ['Tasks run', `${c.tasksRun}/${c.total}`],
    c.noLogs
      ? ['Passed / Failed / Unknown / Not run / No logs', `${c.passed} / ${c.failed} / ${c.unknown} / ${c.notRun} / ${c.noLogs}`]
      : ['Passed / Failed / Unknown / Not run', `${c.passed} / ${c.failed} / ${c.unknown} / ${c.notRun}`],
    ['Pass rate (tasks with a verdict)', c.passRate === null ? 'N/A' : `${c.passRate.toFixed(1)}%`],
    ...(d.failureCauses ? [['Why tasks failed', d.failureCauses] as [string, string]] : []),
  ];
}

/** Titled lists after the task sections; empty lists are left out. */
function findingLists(d: Digest): Array<[string, string[]]> {
  const lists: Array<[string, string[]]> = [
    ['New failures', d.newFailures.map((f) => `${f.task}: ${f.line}`)],
    ['Recoveries', d.recoveries.map((r) => `${r.task} (failed on ${r.since})`)],
    ['Still failing', d.streaks.map((s) => `${s.task}: failing since ${s.since} (${s.nights} nights red) — ${s.line}`)],
    ['Performance regressions', d.perfRegressions.length ? [...d.perfRegressions.map((p) => p.line), `every moved metric: ${d.links.alerts}`] : []],
    ['Expected but missing', d.missing],
  ];
  return lists.filter(([, lines]) => lines.length > 0);
}

export function renderText(d: Digest): string {
  const out: string[] = [`${d.title} — ${d.hardware.toUpperCase()}`, `Generated: ${d.generated}`];
  if (d.imageBanner) out.push(`⚠️ ${d.imageBanner}`);
  for (const [k, v] of overviewFacts(d)) out.push(`${k}: ${v}`);
  for (const s of d.sections) {
    if (s.tasks.length === 0) continue;
    out.push('', `== ${s.title} ==`);
    for (const t of s.tasks) out.push(`  ${taskLine(t)}${t.plotUrl ? ` — plot: ${t.plotUrl}` : ''}`);
  }
  out.push('', '== Sanity ==');
  if (d.sanity.length === 0) out.push('  no sanity results');
  for (const s of d.sanity) out.push(`  ${icon(s.status)} ${s.line}`);
  for (const [title, lines] of findingLists(d)) {
    out.push('', `== ${title} ==`, ...lines.map((l) => `  ${l}`));
  }
  out.push('', `View All Logs: ${d.links.logs}`, `CI Dashboard: ${d.links.dashboard}`);
  return `${out.join('\n')}\n`;
}

type CardElement = Record<string, unknown>;

function text(value: string, extra: CardElement = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function section(title: string, lines: string[]): CardElement {
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [text(title, { weight: 'Bolder', size: 'Medium' }), ...lines.map((l) => text(l, { spacing: 'Small' }))],
  };
}

/** The Teams webhook body: `{type: "message", attachments: [adaptive card v1.4]}`. */
export function renderTeamsCard(d: Digest): Record<string, unknown> {
  const body: CardElement[] = [
    text(`${d.title} — ${d.hardware.toUpperCase()}`, { size: 'Large', weight: 'Bolder' }),
    text(`Generated ${d.generated}`, { isSubtle: true, spacing: 'None' }),
  ];
  if (d.imageBanner) body.push(text(`⚠️ ${d.imageBanner}`, { color: 'Warning', weight: 'Bolder' }));
  body.push({ type: 'FactSet', facts: overviewFacts(d).map(([title, value]) => ({ title, value })) });
  for (const s of d.sections) {
    if (s.tasks.length === 0) continue;
    body.push(section(s.title, s.tasks.map((t) => `${taskLine(t)}${t.plotUrl ? ` — [plot](${t.plotUrl})` : ''}`)));
  }
  body.push(section('Sanity', d.sanity.length ? d.sanity.map((s) => `${icon(s.status)} ${s.line}`) : ['no sanity results']));
  for (const [title, lines] of findingLists(d)) body.push(section(title, lines));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions: [
            { type: 'Action.OpenUrl', title: 'View All Logs', url: d.links.logs },
            { type: 'Action.OpenUrl', title: 'CI Dashboard', url: d.links.dashboard },
          ],
        },
      },
    ],
  };
}
