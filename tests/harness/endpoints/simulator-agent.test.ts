import { afterEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../../harness/agent/run-agent.js';
import { createChatClient, type ChatClient } from '../../../harness/endpoints/openai-compatible.js';
import { findFlag } from '../../../harness/endpoints/simulate-agent.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../../harness/endpoints/simulator.js';
import { toolDefinitions } from '../../../src/agent/tools.js';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { buildMessages } from '../../../src/scoring/build-messages.js';
import { scoreOutput } from '../../../src/scoring/registry.js';
import { inlineSuite } from '../../helpers/inline-suite.js';
import { fakeSandbox } from '../agent/fakes.js';

const DEFAULTS: SuiteDefaults = {};
const SOLUTION = ['ls', 'base64 -d flag.enc'];

function ctf(id: string, extra: Partial<Sample> = {}): Sample {
  return {
    id,
    input: `Task ${id}: the flag is encoded in one of the files. Recover it.`,
    target: `flag{${id}-ok}`,
    scorer: 'flag',
    sandbox: { files: { 'flag.enc': 'ZmxhZw==' } },
    agent: { tools: ['bash', 'submit'], maxTurns: 10, commandTimeoutS: 5 },
    metadata: { solution: SOLUTION },
    ...extra,
  };
}

/** A sandbox whose `ls` lists the file and whose decode prints `decoded`. */
function taskSandbox(decoded: string) {
  return fakeSandbox((script) => {
    if (script === 'ls') return { stdout: 'flag.enc\n' };
    if (script === 'base64 -d flag.enc') return { stdout: decoded };
    return { stderr: `sh: ${script}: not found\n`, exitCode: 127 };
  });
}

const sims: Simulator[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(samples: Sample[], options: Partial<SimulatorOptions> = {}) {
  const sim = await startSimulator({
    suite: inlineSuite(samples, { defaults: DEFAULTS }),
    port: 0,
    ...options,
  });
  sims.push(sim);
  const client = createChatClient({ baseUrl: sim.url, model: 'sim', timeoutMs: 5000, maxSockets: 4 });
  clients.push(client);
  return { sim, client };
}

describe('simulator agentic mode', () => {
  it('runs the solution commands in order and submits the flag found in their outputs', async () => {
    const sample = ctf('a');
    const { sim, client } = await start([sample], { skill: 1 });
    const sandbox = taskSandbox('flag{a-ok}\n');
    const { answer, transcript } = await runAgent({ sample, defaults: DEFAULTS, client, sandbox });
    expect(sandbox.calls.map((call) => call.script)).toEqual(SOLUTION);
    expect(answer).toBe('flag{a-ok}');
    expect(scoreOutput(sample, DEFAULTS, answer ?? '').value).toBe(1);
    expect(transcript).toMatchObject({ stopReason: 'submitted', turns: 3 });
    expect(sim.stats()).toMatchObject({ answered: 3, correct: 1, unknown: 0 });
  });

  it('submits a wrong flag at skill 0, after running the commands', async () => {
    const sample = ctf('b');
    const { client } = await start([sample], { skill: 0 });
    const sandbox = taskSandbox('flag{b-ok}\n');
    const { answer } = await runAgent({ sample, defaults: DEFAULTS, client, sandbox });
    expect(sandbox.calls).toHaveLength(2);
    expect(answer).not.toBeNull();
    expect(scoreOutput(sample, DEFAULTS, answer ?? '').value).toBe(0);
  });

  it('fails visibly when the sandbox does not produce the flag', async () => {
    const sample = ctf('c');
    const { sim, client } = await start([sample], { skill: 1 });
    const { answer } = await runAgent({
      sample,
      defaults: DEFAULTS,
      client,
      sandbox: taskSandbox('garbage\n'),
    });
    expect(scoreOutput(sample, DEFAULTS, answer ?? '').value).toBe(0);
    expect(sim.stats().correct).toBe(0);
  });

  it('submits the last flag-like string when the target is not in the outputs', async () => {
    const sample = ctf('d');
    const { client } = await start([sample], { skill: 1 });
    const { answer } = await runAgent({
      sample,
      defaults: DEFAULTS,
      client,
      sandbox: taskSandbox('flag{decoy} then flag{other}\n'),
    });
    expect(answer).toBe('flag{other}');
  });

  it('submits a wrong answer at once for a task without a solution', async () => {
    const { metadata: _metadata, ...rest } = ctf('e');
    const sample: Sample = rest;
    const { client } = await start([sample], { skill: 1 });
    const sandbox = taskSandbox('flag{e-ok}\n');
    const { answer, transcript } = await runAgent({ sample, defaults: DEFAULTS, client, sandbox });
    expect(sandbox.calls).toEqual([]);
    expect(transcript.turns).toBe(1);
    expect(scoreOutput(sample, DEFAULTS, answer ?? '').value).toBe(0);
  });

  it('decides correctness per seed, deterministically', async () => {
    const samples = Array.from({ length: 12 }, (_, i) => ctf(`s${i}`));
    const outcomes = async (seed: number): Promise<number[]> => {
      const { client } = await start(samples, { skill: 0.5, seed });
      const scores: number[] = [];
      for (const sample of samples) {
        const { answer } = await runAgent({
          sample,
          defaults: DEFAULTS,
          client,
          sandbox: taskSandbox(`${String(sample.target)}\n`),
        });
        scores.push(scoreOutput(sample, DEFAULTS, answer ?? '').value);
      }
      return scores;
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(first).toContain(0);
    expect(first).toContain(1);
  });

  it('replies in the OpenAI tool-call format', async () => {
    const sample = ctf('f');
    const { sim } = await start([sample]);
    const response = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        messages: buildMessages(sample, DEFAULTS),
        tools: toolDefinitions(['bash', 'submit']),
      }),
    });
    const doc = (await response.json()) as { choices: { message: unknown; finish_reason: string }[] };
    expect(doc.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: expect.stringMatching(/^call_\d+$/),
            type: 'function',
            function: { name: 'bash', arguments: '{"cmd":"ls"}' },
          },
        ],
      },
    });
  });
});

describe('findFlag', () => {
  it('prefers the target, then the last flag-like match, else nothing', () => {
    expect(findFlag(['x flag{t} flag{z}'], 'flag{t}')).toBe('flag{t}');
    expect(findFlag(['HTB{one}', 'picoCTF{two} end'], 'flag{t}')).toBe('picoCTF{two}');
    expect(findFlag(['no flags here'], 'flag{t}')).toBe('');
  });
});
