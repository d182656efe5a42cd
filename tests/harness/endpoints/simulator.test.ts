import { afterEach, describe, expect, it, vi } from 'vitest';
import { createChatClient } from '../../../harness/endpoints/openai-compatible.js';
import type { AttemptResult, ChatClient } from '../../../harness/endpoints/openai-compatible.js';
import { startSimulator } from '../../../harness/endpoints/simulator.js';
import type { Simulator, SimulatorOptions } from '../../../harness/endpoints/simulator.js';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { buildMessages } from '../../../src/scoring/build-messages.js';
import { scoreOutput } from '../../../src/scoring/registry.js';
import type { SuiteHandle } from '../../../src/suite/load-suite.js';
import { inlineSuite } from '../../helpers/inline-suite.js';
import { MIXED } from './mixed-samples.js';

const DEFAULTS: SuiteDefaults = { scorer: 'choice', max_tokens: 64, temperature: 0 };

/** `count` four-option questions over two categories. */
function choiceSamples(count: number): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `q-${i}`,
    category: i % 2 === 0 ? 'even' : 'odd',
    input: `Question number ${i}: which option is right?`,
    choices: ['first', 'second', 'third', 'fourth'],
    target: 'ABCD'[i % 4] ?? 'A',
  }));
}

const sims: Simulator[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(suite: SuiteHandle, options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ suite, port: 0, ...options });
  sims.push(sim);
  return sim;
}

function connect(sim: Simulator, apiKey?: string, maxSockets = 8): ChatClient {
  const client = createChatClient({
    baseUrl: sim.url,
    model: 'sim-model',
    apiKey,
    timeoutMs: 10_000,
    maxSockets,
  });
  clients.push(client);
  return client;
}

async function ask(
  client: ChatClient,
  sample: Sample,
  defaults: SuiteDefaults = DEFAULTS,
): Promise<AttemptResult> {
  return client.complete({ messages: buildMessages(sample, defaults), max_tokens: 64 });
}

function contentOf(result: AttemptResult): string {
  if (!result.ok) throw new Error(`expected an answer, got ${result.message}`);
  return result.content;
}

/** Asks every sample `epochs` times (in the given order, all in flight at once) and counts correct answers per id. */
async function correctCounts(
  sim: Simulator,
  samples: Sample[],
  epochs: number,
): Promise<Map<string, number>> {
  const client = connect(sim);
  const jobs = Array.from({ length: epochs }, () => samples).flat();
  const outputs = await Promise.all(jobs.map((sample) => ask(client, sample)));
  const counts = new Map<string, number>();
  outputs.forEach((result, i) => {
    const sample = jobs[i]!;
    counts.set(
      sample.id,
      (counts.get(sample.id) ?? 0) + scoreOutput(sample, DEFAULTS, contentOf(result)).value,
    );
  });
  return counts;
}

describe('startSimulator', () => {
  it('listens on an ephemeral loopback port and serves /health and /v1/models', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { model: 'sim-7b' });
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/v1`);
    const health = await fetch(`http://127.0.0.1:${sim.port}/health`);
    expect(health.status).toBe(200);
    const models = (await (await fetch(`${sim.url}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(['sim-7b']);
    expect((await fetch(`${sim.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${sim.url}/chat/completions`)).status).toBe(405);
  });

  it('answers in the chat-completions format, echoing the model name', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }));
    const response = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any-model-name', messages: buildMessages(MIXED[0]!, DEFAULTS) }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'any-model-name',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
    expect(body['id']).toMatch(/^chatcmpl-/);
    expect(body['created']).toEqual(expect.any(Number));
    const usage = body['usage'] as Record<string, number>;
    expect(usage['prompt_tokens']).toBeGreaterThan(0);
    expect(usage['completion_tokens']).toBeGreaterThan(0);
    expect(usage['total_tokens']).toBe((usage['prompt_tokens'] ?? 0) + (usage['completion_tokens'] ?? 0));
  });

  it('answers every kind of sample correctly at skill 1: each scores 1', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { skill: 1 });
    const client = connect(sim);
    // Several epochs, so that every reply style is used.
    for (let epoch = 0; epoch < 12; epoch++) {
      for (const sample of MIXED) {
        const output = contentOf(await ask(client, sample));
        expect(scoreOutput(sample, DEFAULTS, output), `${sample.id}: ${output}`).toMatchObject({ value: 1 });
      }
    }
    expect(sim.stats()).toMatchObject({ requests: 96, answered: 96, correct: 96, unknown: 0 });
  });

  it('answers every kind of sample wrongly at skill 0: each scores 0', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { skill: 0 });
    const client = connect(sim);
    for (let epoch = 0; epoch < 12; epoch++) {
      for (const sample of MIXED) {
        const output = contentOf(await ask(client, sample));
        expect(scoreOutput(sample, DEFAULTS, output), `${sample.id}: ${output}`).toMatchObject({ value: 0 });
      }
    }
    expect(sim.stats()).toMatchObject({ answered: 96, correct: 0 });
  });

  it('is right about as often as its skill', async () => {
    const samples = choiceSamples(100);
    const sim = await start(inlineSuite(samples, { defaults: DEFAULTS }), { skill: 0.7, seed: 42 });
    const counts = await correctCounts(sim, samples, 10);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(sim.stats().correct);
    expect(total / 1000).toBeGreaterThan(0.64);
    expect(total / 1000).toBeLessThan(0.76);
  });

  it('uses the skill of each category', async () => {
    const samples = choiceSamples(40);
    const sim = await start(inlineSuite(samples, { defaults: DEFAULTS }), {
      skill: 0.5,
      skillByCategory: { even: 1, odd: 0 },
    });
    const counts = await correctCounts(sim, samples, 3);
    for (const sample of samples) expect(counts.get(sample.id)).toBe(sample.category === 'even' ? 3 : 0);
  });

  it('gives the same number of correct answers per sample for a seed, whatever the request order', async () => {
    const samples = choiceSamples(60);
    const suite = inlineSuite(samples, { defaults: DEFAULTS });
    const forward = await correctCounts(await start(suite, { seed: 7, skill: 0.5 }), samples, 5);
    const backward = await correctCounts(
      await start(suite, { seed: 7, skill: 0.5 }),
      [...samples].reverse(),
      5,
    );
    expect(backward).toEqual(forward);
    const otherSeed = await correctCounts(await start(suite, { seed: 8, skill: 0.5 }), samples, 5);
    expect(otherSeed).not.toEqual(forward);
  });

  it('finds a sample whose input is wrapped in another prompt template', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { skill: 1 });
    const sample = MIXED[2]!;
    const result = await connect(sim).complete({
      messages: [{ role: 'user', content: `Solve this CTF task.\n\n${sample.input}\n\nThink carefully.` }],
    });
    expect(scoreOutput(sample, DEFAULTS, contentOf(result)).value).toBe(1);
    expect(sim.stats().unknown).toBe(0);
  });

  it('politely declines a prompt it does not know', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { skill: 1 });
    const result = await connect(sim).complete({
      messages: [{ role: 'user', content: 'Write a poem about spring.' }],
    });
    expect(contentOf(result)).not.toMatch(/ANSWER:/i);
    expect(sim.stats()).toMatchObject({ answered: 1, unknown: 1, correct: 0 });
  });

  it('rejects a body that is not JSON with 400', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }));
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: '{"messages": [' });
    expect(response.status).toBe(400);
  });

  it('requires the bearer token only when given an API key', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }), { apiKey: 'sk-sim-right' });
    expect(await ask(connect(sim), MIXED[0]!)).toMatchObject({ ok: false, kind: 'fatal', status: 401 });
    expect(await ask(connect(sim, 'sk-sim-wrong'), MIXED[0]!)).toMatchObject({
      ok: false,
      kind: 'fatal',
      status: 401,
    });
    expect(await ask(connect(sim, 'sk-sim-right'), MIXED[0]!)).toMatchObject({ ok: true });
    expect((await fetch(`${sim.url}/models`)).status).toBe(401);
  });

  it('injects each kind of fault at about the configured rate, classified by the client', async () => {
    const samples = choiceSamples(50);
    const sim = await start(inlineSuite(samples, { defaults: DEFAULTS }), {
      faultRate: 0.2,
      seed: 3,
      retryAfterS: 2,
    });
    const client = connect(sim, undefined, 16);
    const jobs = Array.from({ length: 20 }, () => samples).flat();
    const results = await Promise.all(jobs.map((sample) => ask(client, sample)));
    const stats = sim.stats();
    const faults =
      stats.faults.rateLimited + stats.faults.serverError + stats.faults.reset + stats.faults.malformed;
    // The client sends a request again once when a reused connection closes before any response byte (a stale
    // keep-alive connection looks the same): the server sees one more request for each reset absorbed that way.
    const resent = stats.requests - jobs.length;
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(stats.faults.reset);
    expect(faults / stats.requests).toBeGreaterThan(0.15);
    expect(faults / stats.requests).toBeLessThan(0.25);
    for (const count of Object.values(stats.faults)) expect(count).toBeGreaterThan(20);
    expect(stats.answered).toBe(stats.requests - faults);

    const failures = results.filter((result) => !result.ok);
    expect(failures).toHaveLength(faults - resent);
    for (const failure of failures) expect(failure).toMatchObject({ kind: 'retryable' });
    const limited = failures.filter((failure) => failure.status === 429);
    expect(limited).toHaveLength(stats.faults.rateLimited);
    for (const failure of limited) expect(failure).toMatchObject({ rateLimited: true, retryAfterMs: 2000 });
    expect(failures.filter((failure) => failure.status === 500 || failure.status === 503)).toHaveLength(
      stats.faults.serverError,
    );
  });

  it('injects the same faults for the same seed and request index', async () => {
    const samples = choiceSamples(10);
    const suite = inlineSuite(samples, { defaults: DEFAULTS });
    const pattern = async (seed: number): Promise<string[]> => {
      const sim = await start(suite, { faultRate: 0.3, seed });
      const client = connect(sim, undefined, 1);
      const out: string[] = [];
      // One request at a time: the request index is the loop index.
      for (let i = 0; i < 200; i++) {
        const result = await ask(client, samples[i % samples.length]!);
        out.push(result.ok ? 'ok' : `${result.status ?? result.message.slice(0, 16)}`);
      }
      return out;
    };
    const first = await pattern(11);
    expect(await pattern(11)).toEqual(first);
    expect(await pattern(12)).not.toEqual(first);
  });

  it('delays replies by latency and jitter, and closes with replies still pending', async () => {
    const samples = choiceSamples(4);
    const sim = await start(inlineSuite(samples, { defaults: DEFAULTS }), { latencyMs: 20, jitterMs: 10 });
    const client = connect(sim);
    const results = await Promise.all(samples.map((sample) => ask(client, sample)));
    expect(results.every((result) => result.ok)).toBe(true);
    const slow = await start(inlineSuite(samples, { defaults: DEFAULTS }), { latencyMs: 60_000 });
    const pending = ask(connect(slow), samples[0]!);
    await vi.waitFor(() => expect(slow.stats().requests).toBe(1));
    await slow.close();
    expect(await pending).toMatchObject({ ok: false, kind: 'retryable' });
  });

  it('rejects invalid options with E_USAGE', async () => {
    const suite = inlineSuite(MIXED, { defaults: DEFAULTS });
    await expect(startSimulator({ suite, skill: 1.5 })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(startSimulator({ suite, faultRate: -0.1 })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(startSimulator({ suite, skillByCategory: { web: 2 } })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(startSimulator({ suite, latencyMs: Number.NaN })).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('reports a port in use as E_USAGE', async () => {
    const sim = await start(inlineSuite(MIXED, { defaults: DEFAULTS }));
    await expect(startSimulator({ suite: inlineSuite(MIXED), port: sim.port })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });
});
