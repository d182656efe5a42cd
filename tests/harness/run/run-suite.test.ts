/**
 * The runner against real HTTP servers on loopback that misbehave in specific ways: a server that rate-limits
 * above a number of requests in flight, one that rejects one sample's prompt with 400, one that hangs past the
 * timeout. Real worker threads, real SQLite files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { buildReport } from '../../../src/report/build-report.js';
import type { RunParams } from '../../../src/schema/run.js';
import type { Sample } from '../../../src/schema/suite.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { getSampleResults } from '../../../src/store/results.js';
import { getRun } from '../../../src/store/runs.js';
import {
  runSuite,
  unitSeed,
  type RunProgress,
  type RunSuiteOptions,
} from '../../../harness/run/run-suite.js';
import { inlineSuite } from '../../helpers/inline-suite.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const samples: Sample[] = Array.from({ length: 40 }, (_, i) => ({
  id: `s-${String(i).padStart(3, '0')}`,
  category: i % 2 === 0 ? 'even' : 'odd',
  input: `Question number ${i}`,
  choices: ['yes', 'no'],
  target: 'A',
}));

const params: RunParams = {
  epochs: 1,
  limit: null,
  seed: null,
  reducer: 'mean',
  ci: 't',
  timeoutMs: 5_000,
  maxAttempts: 20,
  apiKeyEnv: 'UNUSED',
};

/** Starts a chat-completions server whose behaviour is `handle(prompt, res)`; returns its base URL. */
async function serve(
  handle: (prompt: string, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { messages: Array<{ content: string }> };
      handle(parsed.messages.at(-1)?.content ?? '', res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

function answer(res: ServerResponse, content: string): void {
  const body = JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    created: 0,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}

/** runSuite's options for a run of the 40 samples against `endpoint` into `db`, with `overrides`. */
function runOptions(
  db: Db,
  endpoint: string,
  overrides: Partial<RunSuiteOptions> & Pick<RunSuiteOptions, 'concurrency' | 'workers'>,
): RunSuiteOptions {
  return {
    db,
    suite: inlineSuite(samples),
    endpoint,
    model: 'm',
    developer: null,
    params,
    policy: DEFAULT_POLICY,
    ...overrides,
  };
}

describe('runSuite', () => {
  it('lowers its concurrency under sustained 429s and still scores every unit once', async () => {
    let inFlight = 0;
    let maxSeen = 0;
    let limited = 0;
    const { url, server } = await serve((_prompt, res) => {
      inFlight++;
      if (inFlight > 4) {
        inFlight--;
        limited++;
        res
          .writeHead(429, { 'retry-after-ms': '5', 'content-type': 'application/json' })
          .end('{"error":{"message":"slow down"}}');
        return;
      }
      maxSeen = Math.max(maxSeen, inFlight);
      setTimeout(() => {
        inFlight--;
        answer(res, 'ANSWER: A');
      }, 5);
    });
    const db = openStore(join(dir, 'aimd.db'));
    try {
      const limits: number[] = [];
      const summary = await runSuite(
        runOptions(db, url, {
          concurrency: 32,
          workers: 2,
          retryBaseMs: 1,
          retryMaxMs: 20,
          onProgress: (p: RunProgress) => limits.push(p.concurrencyLimit),
        }),
      );
      expect(summary).toMatchObject({ status: 'completed', total: 40, scored: 40, errors: 0 });
      expect(limited).toBeGreaterThan(0);
      expect(Math.min(...limits)).toBeLessThan(32);
      expect(maxSeen).toBeLessThanOrEqual(4);
      const attempts = samples.map((s) => getSampleResults(db, summary.runId, s.id)[0]?.attempts ?? 0);
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      expect(attempts.every((a) => a >= 1)).toBe(true);
    } finally {
      db.close();
      server.close();
    }
  });

  it('never has more requests at the endpoint than its concurrency while two sessions hold units ahead', async () => {
    let inFlight = 0;
    let maxSeen = 0;
    const { url, server } = await serve((_prompt, res) => {
      maxSeen = Math.max(maxSeen, ++inFlight);
      setTimeout(() => {
        inFlight--;
        answer(res, 'ANSWER: A');
      }, 5);
    });
    const db = openStore(join(dir, 'limit.db'));
    try {
      const summary = await runSuite(
        runOptions(db, url, {
          concurrency: 3,
          workers: 2,
        }),
      );
      expect(summary).toMatchObject({ status: 'completed', total: 40, scored: 40, errors: 0 });
      // Never above the limit, though up to twice as many units were sent ahead to the sessions. (Not exactly 3:
      // on a loaded machine the second thread may start when the first has taken most of the units.)
      expect(maxSeen).toBeLessThanOrEqual(3);
      expect(maxSeen).toBeGreaterThanOrEqual(2);
    } finally {
      db.close();
      server.close();
    }
  });

  it('stops without recording the units its sessions gave back unstarted, and a resume runs each once', async () => {
    const seen = new Map<string, number>();
    let answered = 0;
    const stop = new AbortController();
    const { url, server } = await serve((prompt, res) => {
      const id = /Question number (\d+)/.exec(prompt)![1]!;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      setTimeout(() => {
        answer(res, 'ANSWER: A');
        if (++answered === 10) stop.abort();
      }, 20);
    });
    const db = openStore(join(dir, 'stop.db'));
    try {
      const base = runOptions(db, url, {
        concurrency: 4,
        workers: 1,
      });
      const first = await runSuite({ ...base, signal: stop.signal });
      expect(first.status).toBe('interrupted');
      // Only what reached the endpoint was attempted: nothing stored for the units held in the session's queue.
      expect(first.scored).toBe(seen.size);
      expect(first.scored).toBeLessThan(40);
      const resumed = await runSuite({ ...base, resume: first.runId });
      expect(resumed).toMatchObject({ status: 'completed', total: 40, scored: 40, errors: 0 });
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(seen.size).toBe(40);
      for (const s of samples) expect(getSampleResults(db, first.runId, s.id)).toHaveLength(1);
    } finally {
      db.close();
      server.close();
    }
  });

  it('fails only the sample whose prompt the endpoint rejects with 400, and counts it as an error', async () => {
    const { url, server } = await serve((prompt, res) => {
      if (prompt.includes('Question number 7\n')) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":{"message":"This model\'s maximum context length is 8 tokens"}}');
      } else {
        answer(res, 'ANSWER: A');
      }
    });
    const db = openStore(join(dir, 'bad-request.db'));
    try {
      const summary = await runSuite(
        runOptions(db, url, {
          developer: 'acme',
          concurrency: 8,
          workers: 1,
        }),
      );
      expect(summary).toMatchObject({ status: 'completed', scored: 39, errors: 1 });
      const [bad] = getSampleResults(db, summary.runId, 's-007');
      expect(bad).toMatchObject({ status: 'error', errorCode: 'E_ENDPOINT', attempts: 1, score: null });
      expect(bad?.errorMessage).toContain('maximum context length');
      const report = buildReport(db, summary.runId);
      expect(report.samples).toEqual({ total: 40, scored: 39, errors: 1 });
      expect(report.overall.n).toBe(39);
      expect(report.overall.mean).toBe(1);
      // 1 error in 40 units is within the default policy's 5% tolerance.
      expect(report.designation.errorRate).toBeCloseTo(1 / 40, 12);
    } finally {
      db.close();
      server.close();
    }
  });

  it('records a unit that keeps timing out as an error with its attempts and last error', async () => {
    const { url, server } = await serve((prompt, res) => {
      if (prompt.includes('Question number 3\n')) return; // never answers
      answer(res, 'ANSWER: B');
    });
    const db = openStore(join(dir, 'timeout.db'));
    try {
      const summary = await runSuite(
        runOptions(db, url, {
          suite: inlineSuite(samples.slice(0, 6)),
          params: { ...params, timeoutMs: 200, maxAttempts: 3 },
          concurrency: 4,
          workers: 1,
          retryBaseMs: 1,
        }),
      );
      expect(summary).toMatchObject({ status: 'completed', scored: 5, errors: 1 });
      const [stuck] = getSampleResults(db, summary.runId, 's-003');
      expect(stuck).toMatchObject({ status: 'error', errorCode: 'E_TIMEOUT', attempts: 3 });
      expect(buildReport(db, summary.runId).overall.mean).toBe(0);
    } finally {
      db.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('records the endpoint without credentials and the run parameters', async () => {
    const seen: string[] = [];
    const { url, server } = await serve((_prompt, res, req) => {
      seen.push(req.headers.authorization ?? '');
      answer(res, 'ANSWER: A');
    });
    const db = openStore(join(dir, 'redact.db'));
    try {
      const withUser = url.replace('http://', 'http://lab:s3cr3t-pass@');
      const events: string[] = [];
      const summary = await runSuite(
        runOptions(db, withUser, {
          onAudit: (event) => events.push(`${event.type} ${JSON.stringify(event.data)}`),
          suite: inlineSuite(samples.slice(0, 3)),
          params: { ...params, seed: 42, epochs: 2 },
          concurrency: 2,
          workers: 1,
          apiKey: 'sk-never-stored',
        }),
      );
      expect(summary.status).toBe('completed');
      expect(seen.every((h) => h === 'Bearer sk-never-stored')).toBe(true);
      const run = getRun(db, summary.runId);
      expect(run.endpoint).not.toContain('s3cr3t-pass');
      expect(run.params).toMatchObject({ seed: 42, epochs: 2 });
      expect(run.totalUnits).toBe(6);
      const dump =
        JSON.stringify(db.prepare('SELECT * FROM runs').all()) +
        JSON.stringify(db.prepare('SELECT * FROM results').all());
      expect(dump).not.toContain('sk-never-stored');
      expect(dump).not.toContain('s3cr3t-pass');
      expect(events.map((e) => e.split(' ')[0])).toEqual(['run.started', 'run.finished']);
      expect(events.join('\n')).not.toContain('s3cr3t-pass');
      expect(events.join('\n')).not.toContain('sk-never-stored');
    } finally {
      db.close();
      server.close();
    }
  });
});

describe('unitSeed', () => {
  it('differs across epochs and samples and is stable for the same inputs', () => {
    expect(unitSeed(1, 'a', 1)).toBe(unitSeed(1, 'a', 1));
    expect(unitSeed(1, 'a', 1)).not.toBe(unitSeed(1, 'a', 2));
    expect(unitSeed(1, 'a', 1)).not.toBe(unitSeed(1, 'b', 1));
    expect(unitSeed(1, 'a', 1)).not.toBe(unitSeed(2, 'a', 1));
    expect(unitSeed(7, 'x', 3)).toBeGreaterThanOrEqual(0);
  });
});
