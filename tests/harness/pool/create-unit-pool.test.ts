/**
 * The unit pool: real worker threads (piscina) running sessions against a real HTTP server on loopback. Units go
 * down each session's port in batches and outcomes come back by id, so every outcome must reach its own unit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { createUnitPool, maxDefaultWorkers, sizeWorkers } from '../../../harness/pool/create-unit-pool.js';
import type { WorkerConfig } from '../../../harness/pool/unit-messages.js';

let server: Server;
let url: string;
let requests = 0;
/** Requests for prompts containing "hold", kept until the test answers them. */
const held: Array<() => void> = [];
/**
 * Prompts containing "hang" are never answered; those containing "hold" wait in `held`; others get "ANSWER: X" with
 * X the letter the prompt ends on.
 */
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests++;
      const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
      if (prompt.includes('hang')) return;
      const letter = /letter ([A-D])/.exec(prompt)?.[1] ?? 'D';
      const reply = (): void => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            choices: [{ index: 0, message: { role: 'assistant', content: `ANSWER: ${letter}` } }],
          }),
        );
      };
      if (prompt.includes('hold')) held.push(reply);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function config(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  return {
    baseUrl: url,
    model: 'm',
    timeoutMs: 5_000,
    maxSockets: 8,
    defaults: {},
    suiteDir: '.',
    sandboxRoot: '/nonexistent',
    ...overrides,
  };
}

/** Waits until `count` requests are held, then a moment more, and says how many are. */
async function heldAfter(count: number): Promise<number> {
  while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return held.length;
}

/** A choice sample whose prompt names the letter the server answers; the target is `target`. */
function sample(i: number, letter: string, target: string): Sample {
  return {
    id: `q${i}`,
    input: `Question ${i}: answer with the letter ${letter}`,
    choices: ['a', 'b', 'c', 'd'],
    target,
  };
}

describe('createUnitPool', () => {
  it('returns every outcome to its own unit across two sessions', async () => {
    const pool = createUnitPool({ workers: 2 });
    try {
      pool.start(config());
      const letters = ['A', 'B', 'C', 'D'];
      // Half the units are answered right: the target matches the letter the server gives back for that unit.
      const units = Array.from({ length: 300 }, (_, i) => {
        const letter = letters[i % 4]!;
        return { i, right: i % 2 === 0, s: sample(i, letter, i % 2 === 0 ? letter : letters[(i + 1) % 4]!) };
      });
      const outcomes = await Promise.all(units.map((u) => pool.run({ sample: u.s, epoch: 1 })));
      outcomes.forEach((outcome, k) => {
        expect(outcome.status).toBe('scored');
        if (outcome.status !== 'scored') return;
        expect(outcome.answer).toBe(letters[k % 4]);
        expect(outcome.value).toBe(units[k]!.right ? 1 : 0);
      });
    } finally {
      await pool.destroy();
    }
  });

  it('starts at most its workers, once, and refuses units before it starts', async () => {
    const pool = createUnitPool({ workers: 1 });
    try {
      await expect(pool.run({ sample: sample(0, 'A', 'A'), epoch: 1 })).rejects.toThrow(/before start/);
      pool.start(config(), 4);
      expect(() => pool.start(config())).toThrow(/already/);
      const outcome = await pool.run({ sample: sample(1, 'B', 'B'), epoch: 1 });
      expect(outcome).toMatchObject({ status: 'scored', value: 1 });
    } finally {
      await pool.destroy();
    }
  });

  it('fails the units of a session whose worker cannot start it', async () => {
    const pool = createUnitPool({ workers: 1 });
    try {
      // An empty model name makes the worker's chat client refuse to be created: the session task rejects.
      pool.start(config({ model: '' }));
      await expect(pool.run({ sample: sample(0, 'A', 'A'), epoch: 1 })).rejects.toThrow(/model/);
    } finally {
      await pool.destroy();
    }
  });

  it('runs at most its limit at once across its sessions, starting held units as others finish', async () => {
    const pool = createUnitPool({ workers: 2 });
    try {
      pool.start(config());
      pool.setLimit(3);
      const outcomes = Promise.all(
        Array.from({ length: 9 }, (_, i) => pool.run({ sample: sample(i, 'B hold', 'B'), epoch: 1 })),
      );
      // Each round answers what the sessions hold once it has stopped growing for a moment (threads start at their
      // own pace): at most 3 at a time, and the sessions' queues refill it.
      const seen: number[] = [];
      let answered = 0;
      while (answered < 9) {
        let last = -1;
        while (held.length === 0 || held.length !== last) {
          last = held.length;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        seen.push(held.length);
        answered += held.length;
        for (const reply of held.splice(0)) reply();
      }
      expect(Math.max(...seen)).toBe(3);
      expect((await outcomes).map((o) => (o.status === 'scored' ? o.answer : o.status))).toEqual(
        Array(9).fill('B'),
      );
    } finally {
      await pool.destroy();
    }
  });

  it('gives its queued units back unstarted when its limit falls to 0, and finishes those running', async () => {
    const pool = createUnitPool({ workers: 1 });
    try {
      pool.start(config());
      pool.setLimit(1);
      const outcomes = Promise.all(
        Array.from({ length: 3 }, (_, i) => pool.run({ sample: sample(i, 'C hold', 'C'), epoch: 1 })),
      );
      expect(await heldAfter(1)).toBe(1);
      pool.setLimit(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      held.splice(0).forEach((reply) => reply());
      expect((await outcomes).map((o) => o.status)).toEqual(['scored', 'unstarted', 'unstarted']);
      expect(held).toHaveLength(0);
    } finally {
      await pool.destroy();
    }
  });

  it('abandons units still running when destroyed, without failing them', async () => {
    const pool = createUnitPool({ workers: 1 });
    pool.start(config());
    const before = requests;
    let settled = false;
    void pool.run({ sample: sample(0, 'hang', 'A'), epoch: 1 }).finally(() => (settled = true));
    while (requests === before) await new Promise((resolve) => setTimeout(resolve, 10));
    await pool.destroy();
    await pool.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
  });
});

describe('sizeWorkers', () => {
  it('gives a thread per 2,000 units, leaves a core to the main thread, and stays within 1..4', () => {
    expect(sizeWorkers(20, 8)).toBe(1);
    expect(sizeWorkers(2_000, 8)).toBe(1);
    expect(sizeWorkers(2_001, 8)).toBe(2);
    expect(sizeWorkers(10_000, 8)).toBe(4);
    expect(sizeWorkers(10_000, 3)).toBe(2);
    expect(sizeWorkers(10_000, 2)).toBe(1);
    expect(sizeWorkers(10_000, 1)).toBe(1);
    expect(sizeWorkers(0, 8)).toBe(1);
    expect(maxDefaultWorkers(2)).toBe(1);
    expect(maxDefaultWorkers(16)).toBe(4);
    for (const cores of [1, 2, 3, 8, 64]) {
      for (const units of [0, 1, 5_000, 1e6])
        expect(sizeWorkers(units, cores)).toBeLessThanOrEqual(maxDefaultWorkers(cores));
    }
  });
});
