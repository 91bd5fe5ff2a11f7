/**
 * /trends over the real 49-night history (issue 16.8) in a real Chromium: numbers rounded per kind of
 * metric wherever they are shown, a date over every column of the status strip, and `nights` as the
 * one name of the window (`days` still accepted).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { saveScreenshot, watchProblems } from '../helpers/browser';
import { kyselyFor, openWriter } from '../../database/connection';
import { scanAlerts } from '../../alerts/scan';
import { BOTH_NIGHTS_AND_DAYS } from '../../dashboard/params';
import { HISTORY_TO, serveHistory } from './history-db';

/** Three or more decimals: float noise such as 125.38499999999999 (no kind keeps more than two). */
const NOISE = /\d\.\d{3,}/;
const GROK_TTFT = `/api/metrics/mi35x?nights=30&benchmark=${encodeURIComponent('Grok Online Benchmark')}&mode=online&metric=ttft_ms`;

const env = serveHistory('ci-dash-trends-history-', async (dbPath) => {
  // Alert notes under the charts print baselines too.
  const db = kyselyFor(openWriter(dbPath));
  await scanAlerts(db, { hardware: ['mi35x'], date: HISTORY_TO, days: 60 });
  await db.destroy();
});

const json = async (p: string) => {
  const r = await fetch(env.server.url + p);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

/**
 * Opens a trends page, waits until its perf charts are drawn and runs `check` on it with the API URLs
 * the page asked for; then the page must have logged no error.
 */
async function onTrends(url: string, check: (page: Page, requests: string[]) => Promise<void>): Promise<void> {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = watchProblems(page);
  const requests: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) requests.push(u.pathname + u.search);
  });
  try {
    await page.goto(env.server.url + url);
    await page.waitForFunction(() => document.querySelectorAll('#perf-charts canvas').length > 0 || /No serving/.test(document.getElementById('perf-charts')?.textContent ?? ''));
    await check(page, requests);
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
}

/**
 * The tooltip Chart.js really shows for every point whose value or baseline has float noise in the
 * data, as one text per point (label, then the lines under it).
 */
function tooltipsOfNoisyPoints(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Tooltip = { setActiveElements(els: Array<{ datasetIndex: number; index: number }>, at: { x: number; y: number }): void; body: Array<{ before: string[]; lines: string[]; after: string[] }> };
    type Drawn = { data: { datasets: Array<{ data: Array<number | null>; _points?: Array<{ baseline: number | null } | null> }> }; tooltip: Tooltip; update(mode: string): void };
    const C = (window as unknown as { Chart: { getChart(el: Element): Drawn | undefined } }).Chart;
    const noisy = (v: unknown) => v !== null && v !== undefined && /\.\d{4,}/.test(String(v));
    const texts: string[] = [];
    document.querySelectorAll('canvas').forEach((canvas) => {
      const chart = C.getChart(canvas);
      if (!chart) return;
      chart.data.datasets.forEach((ds, i) =>
        ds.data.forEach((v, j) => {
          if (!noisy(v) && !noisy(ds._points?.[j]?.baseline)) return;
          chart.tooltip.setActiveElements([{ datasetIndex: i, index: j }], { x: 0, y: 0 });
          chart.update('none');
          texts.push(chart.tooltip.body.flatMap((b) => [...b.before, ...b.lines, ...b.after]).join(' | '));
        }),
      );
    });
    return texts;
  });
}

describe('numbers on /trends', () => {
  it('rounds each kind of metric in one shared formatter', async () => {
    // lib.js is on every page; a benchmark without charts keeps this page light.
    await onTrends('/trends/mi30x?nights=7&benchmark=none', async (page) => {
      const shown = await page.evaluate(() => {
        const lib = (window as unknown as { CiDash: { formatMetric(v: number | null, m: string): string; formatDelta(v: number | null): string } }).CiDash;
        return [
          lib.formatMetric(16817.239999999998, 'output_throughput_tok_s'),
          lib.formatMetric(973.9449999999999, 'output_throughput_tok_s'),
          lib.formatMetric(0.030000000000000002, 'request_throughput_req_s'),
          lib.formatMetric(125.38499999999999, 'ttft_ms'),
          lib.formatMetric(48.519999999999996, 'itl_ms'),
          lib.formatMetric(24010.000000000004, 'e2e_latency_ms'),
          lib.formatMetric(93.69999999999999, 'percent'),
          lib.formatMetric(80.00000000000001, 'gsm8k_accuracy'),
          lib.formatMetric(66.66666666666667, 'minutes'),
          lib.formatMetric(null, 'ttft_ms'),
          lib.formatDelta(0.44),
          lib.formatDelta(-12.345),
          lib.formatDelta(-0.04),
        ];
      });
      expect(shown).toEqual(['16,817', '973.9', '0.03', '125.4', '48.52', '24,010', '93.7', '80', '66.7', '—', '+0.4%', '-12.3%', '0%']);
    });
  });

  it('shows no float noise in tooltips, axis labels, alert notes or the run history of the real series', async () => {
    // The data does carry noise: medians of an even number of nights.
    const series = (await json(GROK_TTFT)).body.series as Array<{ load_value: number; points: Array<{ date: string; baseline: number | null }> }>;
    const noisyBaselines = series.flatMap((s) => s.points.filter((p) => p.baseline !== null && NOISE.test(String(p.baseline))));
    expect(noisyBaselines.length).toBeGreaterThan(0);

    await onTrends(`/trends/mi35x?nights=30&benchmark=${encodeURIComponent('Grok Online Benchmark')}`, async (page) => {
      const tooltips = await tooltipsOfNoisyPoints(page);
      expect(tooltips.length).toBeGreaterThan(10);
      expect(tooltips.filter((t) => NOISE.test(t))).toEqual([]);
      // A known point: 2025-11-28, TTFT at request rate 2, baseline 125.38499999999999 ms; and an
      // explained one, its baseline's nights as dates.
      expect(tooltips).toContainEqual(expect.stringMatching(/^rate 2: 125\.9 \| source: timing_summary · \S+ \| baseline 125\.4 \(\+0\.4%\)$/));
      expect(tooltips).toContainEqual(expect.stringMatching(/^rate 1: 190\.4 \| source: timing_summary · \S+ \| baseline 120\.5 \(\+58\.1%\) — median of 4 nights 2025-11-08–2025-11-12 \| perf_regression$/));

      const ticks = await page.evaluate(() => {
        type Drawn = { scales: { y: { ticks: Array<{ label: string | string[] }> } } };
        const C = (window as unknown as { Chart: { getChart(el: Element): Drawn | undefined } }).Chart;
        return Array.from(document.querySelectorAll('canvas')).flatMap((c) => C.getChart(c)?.scales.y.ticks.map((t) => String(t.label)) ?? []);
      });
      expect(ticks.length).toBeGreaterThan(40);
      expect(ticks.filter((t) => NOISE.test(t))).toEqual([]);

      const notes = await page.locator('#perf-charts .note-list li').allTextContents();
      expect(notes.length).toBeGreaterThan(0);
      expect(notes.filter((n) => NOISE.test(n))).toEqual([]);
      for (const note of notes) expect(note).toMatch(/^\d{4}-\d\d-\d\d mi35x load \d+: (regression|suspect) [+-]?[\d,.]+% vs [\d,.]+ \[new\]$/);

      const history = await page.locator('#run-history tbody td').allTextContents();
      expect(history.filter((c) => NOISE.test(c))).toEqual([]);
      expect(history.filter((c) => /%$/.test(c)).every((c) => /^\d{1,3}(\.\d)?%$/.test(c))).toBe(true);
      await saveScreenshot(page, 'trends-mi35x-history');
    });
  });
});

describe('the status strip', () => {
  it('names the night of every column (MM-DD, full date in the title)', async () => {
    const api = (await json('/api/trends/mi30x?nights=14')).body;
    await onTrends('/trends/mi30x?nights=14&metric=ttft_ms', async (page) => {
      const firstTask = Object.keys(api.test_history).find((n) => !n.startsWith('Sanity: ')) as string;
      const dates = api.test_history[firstTask].dates as string[];
      expect(dates).toHaveLength(14);
      const headers = await page.$$eval('#status-strip thead th.strip-date', (ths) => ths.map((th) => ({ text: th.textContent, title: th.getAttribute('title'), scope: th.getAttribute('scope') })));
      expect(headers).toEqual(dates.map((d) => ({ text: d.replace(/-/g, '').replace(/^\d{4}(\d\d)(\d\d)$/, '$1-$2'), title: d.replace(/^(\d{4})-?(\d\d)-?(\d\d)$/, '$1-$2-$3'), scope: 'col' })));
      // Every row has exactly one cell under each header, linking to that night.
      const rows = await page.$$eval('#status-strip tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td a')).map((a) => a.getAttribute('href'))));
      expect(rows.length).toBeGreaterThan(5);
      for (const cells of rows) expect(cells.map((h) => /date=(\d{4}-?\d\d-?\d\d)/.exec(h ?? '')?.[1].replace(/-/g, ''))).toEqual(dates.map((d) => d.replace(/-/g, '')));
      await saveScreenshot(page, 'trends-mi30x-strip');
    });
    // A window longer than the history: the heading counts the nights there are.
    await onTrends('/trends/mi30x?nights=90&benchmark=none', async (page) => {
      const columns = await page.locator('#status-strip thead th.strip-date').count();
      expect(columns).toBeLessThan(90);
      expect(await page.textContent('#strip-title')).toBe(`Task status, all ${columns} nights with a run`);
    });
  });

  it('draws each cell in the state the hardware page uses: a no-logs night is hatched, not "unknown"', async () => {
    const api = (await json('/api/trends/mi35x?nights=90')).body;
    const unit = api.test_history['Unit Tests'] as { status: string[]; state: string[] };
    const noLogs = unit.state.filter((s) => s === 'no logs').length;
    // mi35x left nothing on some nights the CI ran (mi30x did): their stored status is "unknown".
    expect(noLogs).toBeGreaterThan(0);
    expect(unit.state.map((s, i) => (s === 'no logs' ? unit.status[i] : 'unknown')).every((s) => s === 'unknown')).toBe(true);
    await onTrends('/trends/mi35x?nights=90&benchmark=none', async (page) => {
      const cells = await page.$$eval('#status-strip tbody tr', (trs) =>
        trs.filter((tr) => tr.querySelector('th')?.textContent === 'Unit Tests').flatMap((tr) => Array.from(tr.querySelectorAll('td a')).map((a) => a.className)));
      expect(cells.filter((c) => c.includes('st-no-logs'))).toHaveLength(noLogs);
      expect(cells).toHaveLength(unit.state.length);
    });
  });
});

describe('nights, also spelled days', () => {
  it('the APIs read nights and days alike and refuse both at once with a clear 400', async () => {
    const byNights = await json('/api/trends/mi35x?nights=14');
    const byDays = await json('/api/trends/mi35x?days=14');
    expect(byNights.status).toBe(200);
    expect(byNights.body.nights).toHaveLength(14);
    expect(byDays.body).toEqual(byNights.body);
    expect((await json(GROK_TTFT.replace('nights=30', 'days=30'))).body).toEqual((await json(GROK_TTFT)).body);
    for (const both of ['/api/trends/mi35x?nights=14&days=14', '/api/trends/mi35x?days=7&nights=30', `${GROK_TTFT}&days=30`]) {
      expect(await json(both)).toEqual({ status: 400, body: { error: BOTH_NIGHTS_AND_DAYS } });
    }
    expect(await json('/api/trends/mi35x?nights=0')).toEqual({ status: 400, body: { error: 'Invalid nights (expected an integer 1..90)' } });
    expect(await json('/api/trends/mi35x?days=91')).toEqual({ status: 400, body: { error: 'Invalid days (expected an integer 1..90)' } });
    // The page answers like every page with a bad parameter: plain-text 404 with the same message.
    const page = await fetch(`${env.server.url}/trends/mi35x?nights=14&days=30`);
    expect([page.status, await page.text()]).toEqual([404, BOTH_NIGHTS_AND_DAYS]);
  });

  it('an old days= link opens the same window; the form, the headings and every request say nights', async () => {
    for (const url of ['/trends/mi35x?days=14&metric=ttft_ms', '/trends/mi35x?nights=14&metric=ttft_ms']) {
      await onTrends(url, async (page, requests) => {
        expect(await page.inputValue('#f-nights')).toBe('14');
        expect(await page.getAttribute('#f-nights', 'name')).toBe('nights');
        expect(await page.textContent('label[for="f-nights"]')).toBe('Nights');
        expect(await page.locator('#trends-filters [name="days"]').count()).toBe(0);
        expect(await page.textContent('#status-strip')).not.toBe('');
        expect(await page.locator('h2', { hasText: 'Task status, last 14 nights' }).count()).toBe(1);
        expect(await page.getAttribute('#other-hw-trends', 'href')).toBe('/trends/mi30x?nights=14');
        expect(requests.length).toBeGreaterThan(2);
        expect(requests.filter((r) => !/[?&]nights=14(&|$)/.test(r) || /[?&]days=/.test(r))).toEqual([]);
      });
    }
    // A window outside the menu's presets stays selected (Apply keeps it).
    await onTrends('/trends/mi35x?nights=45&benchmark=none', async (page) => {
      expect(await page.inputValue('#f-nights')).toBe('45');
    });
  });
});
