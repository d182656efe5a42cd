/**
 * `redline view` in a real browser: Debian's Chromium driven by playwright-core, the page opened from file://.
 * Runs are made by the real CLI against the simulator; a transcript and a run full of hostile strings are written
 * straight into the store. Skipped where /usr/bin/chromium is absent, unless REDLINE_REQUIRE_CHROMIUM=1 (.ci/run
 * installs Chromium and sets it), where they fail instead.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transcript } from '../../src/agent/transcript.js';
import type { RunComparison } from '../../src/compare/compare-runs.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openStore } from '../../src/store/open-store.js';
import { createResultWriter, iterateResults, type ResultRecord } from '../../src/store/results.js';
import { endSession, insertRun } from '../../src/store/runs.js';
import { newRunRecord } from '../helpers/add-run.js';
import { writeTranscripts } from '../../src/store/transcripts.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { PAGE_SCRIPTS } from '../../harness/view/view-layout.js';
import { runArgv, runCliCapture } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const requireChromium = process.env['REDLINE_REQUIRE_CHROMIUM'] === '1';
const SUITE = 'suites/cyber-knowledge';

/** Strings a model could answer with, meant to run script in the page. */
const HOSTILE = {
  breakout: '</script><img src=x onerror=alert(1)>',
  script: '<script>window.pwned=1</script>',
  svg: '<svg onload="window.pwned=2"></svg>',
  attribute: '" onmouseover="window.pwned=3" x="',
};

let dir: string;
let db: string;
let runA: string;
let runB: string;
let browser: Browser;

/** The long, truncated tool output of the stored transcript. */
const TOOL_OUTPUT =
  'total 8\n-rw-r--r-- 1 ctf ctf 38 flag.txt\n[output truncated: 1234 bytes omitted]\nlast line';

function transcriptOf(command: string, text = 'I will list the files.'): Transcript {
  return {
    messages: [
      { role: 'system', content: 'You are in a sandbox.' },
      { role: 'user', content: 'Find the flag.' },
      {
        role: 'assistant',
        content: text,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command }) } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: TOOL_OUTPUT },
    ],
    events: [
      {
        turn: 1,
        kind: 'model',
        startedAtMs: 1_000,
        durationMs: 40,
        usage: { promptTokens: 120, completionTokens: 30 },
      },
      {
        turn: 1,
        kind: 'tool',
        name: 'bash',
        args: JSON.stringify({ command }),
        output: TOOL_OUTPUT,
        exitCode: 0,
        timedOut: false,
        truncated: true,
        startedAtMs: 1_050,
        durationMs: 25,
      },
    ],
    stopReason: 'max_turns',
    answer: null,
    turns: 1,
    sandboxStartMs: 900,
  };
}

/** A completed run whose every string (ids, categories, answers, outputs, errors, transcript) is hostile. */
function writeHostileRun(store: ReturnType<typeof openStore>): void {
  const at = '2026-11-26T10:00:00.000Z';
  insertRun(
    store,
    newRunRecord({
      id: 'hostile-run',
      suite: {
        id: 'hostile',
        version: '1.0.0',
        sha256: 'cd'.repeat(32),
        title: HOSTILE.script,
        path: 'suites/h',
        classification: HOSTILE.svg,
      },
      categories: { [HOSTILE.breakout]: { weight: 1 }, [HOSTILE.svg]: { weight: 1 } },
      model: HOSTILE.script,
      developer: HOSTILE.breakout,
      sampleCount: 4,
      totalUnits: 4,
      startedAt: at,
    }),
  );
  const unit = (sampleId: string, category: string, text: string, error: boolean): ResultRecord => ({
    runId: 'hostile-run',
    sampleId,
    epoch: 1,
    category,
    status: error ? 'error' : 'scored',
    score: error ? null : 1,
    answer: error ? null : text,
    output: text,
    attempts: 1,
    errorCode: error ? 'E_SANDBOX' : null,
    errorMessage: error ? text : null,
    latencyMs: 1,
    promptTokens: null,
    completionTokens: null,
    finishedAt: at,
  });
  createResultWriter(store).write([
    unit(HOSTILE.breakout, HOSTILE.breakout, HOSTILE.script, false),
    unit(HOSTILE.script, HOSTILE.svg, HOSTILE.breakout, false),
    unit(HOSTILE.svg, HOSTILE.breakout, HOSTILE.attribute, false),
    unit(HOSTILE.attribute, HOSTILE.svg, HOSTILE.svg, true),
  ]);
  writeTranscripts(store, [
    {
      runId: 'hostile-run',
      sampleId: HOSTILE.breakout,
      epoch: 1,
      transcript: transcriptOf(HOSTILE.script, HOSTILE.breakout),
    },
  ]);
  endSession(store, 'hostile-run', { status: 'completed', at, elapsedMs: 1 });
}

/** Opens a view from file:// and records what the page asks for and does. */
async function openView(out: string): Promise<{
  page: Page;
  requests: string[];
  dialogs: string[];
  errors: string[];
}> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(join(out, 'index.html')).href);
  // A selector, not a polled function: the page's Content-Security-Policy forbids the eval polling needs.
  await page.waitForSelector('body:not([data-state="loading"])', { state: 'attached' });
  // In-page code is passed as text: this project's TypeScript has no DOM types.
  expect(await page.evaluate('document.body.dataset.state')).toBe('ready');
  return { page, requests, dialogs, errors };
}

async function cliJson<T>(argv: string[]): Promise<T> {
  const result = await runCliCapture(argv);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The `data-figure` values shown inside `scope`. */
async function figuresIn(page: Page, scope: string): Promise<Record<string, string>> {
  const selector = JSON.stringify(`${scope} [data-figure]`);
  return page.evaluate<Record<string, string>>(
    `Object.fromEntries([...document.querySelectorAll(${selector})].map((e) => [e.dataset.figure, e.dataset.value]))`,
  );
}

const str = (value: number | string | null): string => (value === null ? 'null' : String(value));

describe.skipIf(!existsSync(CHROMIUM) && !requireChromium)(
  'redline view in Chromium (installed by .ci/run)',
  () => {
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'redline-view-'));
      db = join(dir, 'lab.db');
      const suite = await openSuite(SUITE);
      for (const [skill, seed] of [
        [0.75, 1],
        [0.5, 2],
      ] as const) {
        const sim = await startSimulator({ suite, port: 0, skill, seed });
        try {
          const run = await runCliCapture([
            ...runArgv(SUITE, sim.url, db, '--epochs', '2', '--seed', '7', '--developer', 'lab-dev'),
          ]);
          expect(run.code, run.stderr).toBe(0);
          const id = (JSON.parse(run.stdout) as RunReport).runId;
          if (skill === 0.75) runA = id;
          else runB = id;
        } finally {
          await sim.close();
        }
      }
      const store = openStore(db);
      try {
        const first = [...iterateResults(store, runA)][0]!;
        writeTranscripts(store, [
          { runId: runA, sampleId: first.sampleId, epoch: 1, transcript: transcriptOf('ls -la') },
        ]);
        writeHostileRun(store);
      } finally {
        store.close();
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('shows the figures of report --json and compare --json, and loads nothing but its own files', async () => {
      const out = join(dir, 'view-ab');
      const written = await runCliCapture(['view', runA, runB, '--out', out, '--db', db]);
      expect(written.code, written.stderr).toBe(0);
      expect(written.stderr).toContain('LAB ONLY');
      const report = await cliJson<RunReport>(['report', runA, '--db', db, '--json']);
      const comparison = await cliJson<RunComparison>(['compare', runA, runB, '--db', db, '--json']);

      const { page, requests, errors } = await openView(out);
      const shown = await figuresIn(page, '[data-panel="run-0"]');
      const expected: Record<string, string> = {
        'overall.mean': str(report.overall.mean),
        'overall.ci.0': str(report.overall.ci![0]),
        'overall.ci.1': str(report.overall.ci![1]),
        'overall.n': str(report.overall.n),
        'overall.weighted.mean': str(report.overall.weighted.mean),
        'overall.weighted.ci.0': str(report.overall.weighted.ci![0]),
        'overall.weighted.ci.1': str(report.overall.weighted.ci![1]),
        'designation.decision': report.designation.decision,
        'designation.cutoff': str(report.designation.cutoff),
        'designation.metric': report.designation.metric,
        'designation.estimate': str(report.designation.estimate),
        'designation.interval.0': str(report.designation.interval![0]),
        'designation.interval.1': str(report.designation.interval![1]),
        'samples.scored': str(report.samples.scored),
        'samples.errors': str(report.samples.errors),
      };
      Object.values(report.categories).forEach((c, i) => {
        expected[`category.${i}.mean`] = str(c.mean);
        expected[`category.${i}.n`] = str(c.n);
        expected[`category.${i}.ci.0`] = str(c.ci === null ? null : c.ci[0]);
        expected[`category.${i}.ci.1`] = str(c.ci === null ? null : c.ci[1]);
      });
      expect(shown).toMatchObject(expected);
      expect(
        await page.locator('[data-panel="run-0"] .figures tr[data-category-index] th').allTextContents(),
      ).toEqual(Object.keys(report.categories));
      // The text shown is the value rounded, not another number.
      expect(await page.textContent('[data-panel="run-0"] [data-figure="overall.mean"]')).toBe(
        report.overall.mean!.toFixed(3),
      );

      await page.click('[data-tab="comparison-0"]');
      const compared = await figuresIn(page, '[data-panel="comparison-0"]');
      const expectedComparison: Record<string, string> = {
        'compare.overall.difference': str(comparison.overall.difference),
        'compare.overall.ci.0': str(comparison.overall.ci![0]),
        'compare.overall.ci.1': str(comparison.overall.ci![1]),
        'compare.overall.n': str(comparison.overall.n),
        'compare.samples.changed': str(comparison.samples.changed),
        'compare.samples.fixed': str(comparison.samples.fixed),
        'compare.samples.broken': str(comparison.samples.broken),
      };
      Object.values(comparison.categories).forEach((c, i) => {
        expectedComparison[`compare.category.${i}.difference`] = str(c.difference);
        expectedComparison[`compare.category.${i}.ci.0`] = str(c.ci === null ? null : c.ci[0]);
        expectedComparison[`compare.category.${i}.ci.1`] = str(c.ci === null ? null : c.ci[1]);
      });
      expect(compared).toMatchObject(expectedComparison);
      expect(comparison.changed.length).toBeGreaterThan(0);
      const firstChanged = comparison.changed[0]!;
      await page.locator('[data-panel="comparison-0"] .vlist .vrow').first().click();
      const pair = page.locator('[data-panel="comparison-0"] [data-role="detail"]');
      await expect.poll(() => pair.locator('.sample').count()).toBe(2);
      expect(await pair.locator('h3').textContent()).toContain(firstChanged.sampleId);

      // A run without a marking shows no banner.
      expect(await page.locator('#classification-top').isVisible()).toBe(false);
      expect(errors).toEqual([]);
      expect(requests.length).toBeGreaterThan(5);
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      await page.close();
    });

    it('filters by category and text, opens a sample with its epochs side by side, and shows its transcript', async () => {
      const out = join(dir, 'view-a');
      expect((await runCliCapture(['view', runA, '--out', out, '--db', db])).code).toBe(0);
      const store = openStore(db, { readonly: true });
      const units = [...iterateResults(store, runA)];
      store.close();
      const report = await cliJson<RunReport>(['report', runA, '--db', db, '--json']);
      const { page, requests, errors } = await openView(out);
      const count = page.locator('[data-panel="run-0"] [data-role="count"]');
      const samples = new Set(units.map((u) => u.sampleId));
      expect(await count.getAttribute('data-shown')).toBe(String(samples.size));

      const category = Object.keys(report.categories)[1]!;
      await page.selectOption('[data-panel="run-0"] select[data-filter="category"]', { label: category });
      const inCategory = new Set(units.filter((u) => u.category === category).map((u) => u.sampleId));
      await expect.poll(() => count.getAttribute('data-shown')).toBe(String(inCategory.size));
      await page.selectOption('[data-panel="run-0"] select[data-filter="category"]', {
        label: 'every category',
      });

      const transcribed = units[0]!.sampleId;
      await page.fill('[data-panel="run-0"] input[data-filter="text"]', transcribed);
      const matching = new Set(
        units
          .filter((u) =>
            [u.sampleId, u.category, u.answer, u.errorCode, u.errorMessage].some((t) =>
              (t ?? '').toLowerCase().includes(transcribed.toLowerCase()),
            ),
          )
          .map((u) => u.sampleId),
      );
      await expect.poll(() => count.getAttribute('data-shown')).toBe(String(matching.size));
      await page.locator('[data-panel="run-0"] .vlist .vrow').first().click();
      const detail = page.locator('[data-panel="run-0"] [data-role="detail"]');
      const epochScores = await detail.locator('[data-epoch-score]').allTextContents();
      expect(epochScores).toEqual(
        units
          .filter((u) => u.sampleId === transcribed)
          .map((u) => (u.score === null ? '–' : String(u.score))),
      );
      // The model's output, loaded when the sample opened.
      const output = units.find((u) => u.sampleId === transcribed)!.output!;
      await expect.poll(() => detail.locator('td.output pre').first().textContent()).toBe(output);

      const transcript = detail.locator('[data-transcript-epoch="1"]');
      await expect.poll(() => transcript.count()).toBe(1);
      expect(await transcript.locator('[data-role="stop-reason"]').textContent()).toBe('turn limit reached');
      expect(await transcript.locator('.role-tool pre').textContent()).toBe(TOOL_OUTPUT);
      expect(await transcript.locator('[data-role="truncated"]').count()).toBe(1);
      expect(await transcript.locator('.tool-call pre').textContent()).toBe(
        JSON.stringify({ command: 'ls -la' }),
      );

      expect(errors).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      await page.close();
    });

    it('shows hostile strings literally and runs none of them', async () => {
      const out = join(dir, 'view-hostile');
      expect((await runCliCapture(['view', 'hostile-run', '--out', out, '--db', db])).code).toBe(0);
      const logged = await cliJson<
        Array<{ data: { command: string; runs: Array<{ runId: string }>; out: string } }>
      >(['audit', 'log', '--type', 'view.exported', '--limit', '1', '--json', '--db', db]);
      expect(logged.map((e) => [e.data.command, e.data.runs.map((r) => r.runId), e.data.out])).toEqual([
        ['view', ['hostile-run'], out],
      ]);
      const { page, requests, dialogs, errors } = await openView(out);
      const panel = page.locator('[data-panel="run-0"]');
      const rows = await panel.locator('.vlist .vrow > span:first-child').allTextContents();
      expect(rows.sort()).toEqual(Object.values(HOSTILE).sort());
      expect(await panel.textContent()).toContain(HOSTILE.script);
      // The suite's classification marking, literally, above and below everything else.
      for (const id of ['#classification-top', '#classification-bottom']) {
        expect(await page.locator(id).isVisible()).toBe(true);
        expect(await page.locator(id).textContent()).toBe(HOSTILE.svg);
      }
      expect(
        await page.evaluate(
          `[document.body.firstElementChild.nextElementSibling.id, [...document.body.children].filter((e) => e.tagName !== 'SCRIPT' && e.tagName !== 'NOSCRIPT').at(-1).id]`,
        ),
      ).toEqual(['classification-top', 'classification-bottom']);

      // In the ids, categories and answers of three samples (outputs are not searched: they load when opened).
      await page.fill('[data-panel="run-0"] input[data-filter="text"]', '</script>');
      await expect.poll(() => panel.locator('[data-role="count"]').getAttribute('data-shown')).toBe('3');
      await page.fill('[data-panel="run-0"] input[data-filter="text"]', '');
      await expect.poll(() => panel.locator('[data-role="count"]').getAttribute('data-shown')).toBe('4');
      // The sample whose id is the breakout string (the first in id order) has the transcript.
      await panel.locator('.vlist .vrow').filter({ hasText: HOSTILE.breakout }).first().click();
      expect(await panel.locator('[data-role="detail"] h3 .mono').textContent()).toBe(HOSTILE.breakout);
      const detail = panel.locator('[data-role="detail"]');
      await expect.poll(() => detail.locator('[data-transcript-epoch="1"]').count()).toBe(1);
      expect(await detail.locator('td.output pre').first().textContent()).toBe(HOSTILE.script);
      expect(await detail.locator('.role-assistant > pre').textContent()).toBe(HOSTILE.breakout);
      expect(await detail.locator('.tool-call pre').textContent()).toBe(
        JSON.stringify({ command: HOSTILE.script }),
      );
      await page.selectOption('[data-panel="run-0"] select[data-filter="error"]', { value: 'invalid' });
      await expect.poll(() => panel.locator('[data-role="count"]').getAttribute('data-shown')).toBe('1');
      await panel.locator('.vlist .vrow').first().hover();

      const state = await page.evaluate(`({
      pwned: window.pwned,
      images: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      handlers: document.querySelectorAll('[onload], [onerror], [onmouseover]').length,
    })`);
      expect(state).toEqual({
        pwned: undefined,
        images: 0,
        scripts: [...PAGE_SCRIPTS, 'data/meta.js'],
        handlers: 0,
      });
      // The Content-Security-Policy holds from file://: an inline script added now does not run.
      expect(
        await page.evaluate(`(() => {
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = 1';
        document.body.appendChild(script);
        return [window.inlineRan === undefined, document.scripts.length];
      })()`),
      ).toEqual([true, PAGE_SCRIPTS.length + 2]);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      await page.close();
    });
  },
);
