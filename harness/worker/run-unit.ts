/**
 * Runs inside a worker thread: one attempt of one (sample, epoch): build the prompt, call the endpoint once,
 * score the output. Returns data, never throws for an expected failure.
 */
import { threadId, workerData } from 'node:worker_threads';
import { toErrorData } from '../../src/errors.js';
import { buildMessages } from '../../src/scoring/build-messages.js';
import { scoreOutput } from '../../src/scoring/registry.js';
import { createChatClient } from '../endpoints/openai-compatible.js';
import type { UnitOutcome, UnitTask, WorkerConfig } from '../pool/unit-messages.js';
import { materializeFiles } from '../agent/materialize-files.js';
import { runAgent } from '../agent/run-agent.js';
import { createBwrapBackend } from '../sandbox/bwrap-backend.js';
import type { SandboxBackend } from '../sandbox/sandbox-backend.js';

const config = workerData as WorkerConfig;
const client = createChatClient({
  baseUrl: config.baseUrl,
  model: config.model,
  ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
  timeoutMs: config.timeoutMs,
  maxSockets: config.maxSockets,
});

// Created on the first agentic sample: each worker thread allocates its sandboxes' uids from its own range, so
// concurrent sandboxes never share a process limit.
let backend: SandboxBackend | undefined;

/** Runs an agentic unit: a fresh sandbox with the task files, the agent loop, the sandbox removed afterwards. */
async function runAgenticUnit(task: UnitTask): Promise<UnitOutcome> {
  const { sample } = task;
  backend ??= createBwrapBackend({ rootDir: config.sandboxRoot, uidBase: 200_000 + threadId * 100_000 });
  const files = materializeFiles(sample.sandbox?.files ?? {}, config.suiteDir);
  let sandbox;
  try {
    sandbox = await backend.create({
      files,
      ...(sample.sandbox?.setup === undefined ? {} : { setup: sample.sandbox.setup }),
    });
  } catch (error) {
    // No usable sandbox on this host (bubblewrap missing, no user namespaces) fails every agentic sample: stop.
    const data = toErrorData(error);
    return {
      status: 'error',
      kind: data.code === 'E_STATE' ? 'fatal' : 'sample',
      error: data,
      retryAfterMs: null,
      rateLimited: false,
      latencyMs: 0,
    };
  }
  try {
    const { answer, transcript } = await runAgent({ sample, defaults: config.defaults, client, sandbox });
    const modelTimeMs = transcript.events.reduce(
      (sum, e) => sum + (e.kind === 'model' ? e.durationMs : 0),
      0,
    );
    // The endpoint failed (not the model's answer): the unit is retried or the run stops, as for single turns.
    if (
      transcript.stopReason === 'model_error' &&
      transcript.error !== undefined &&
      transcript.error.kind !== 'sample'
    ) {
      return {
        status: 'error',
        kind: transcript.error.kind === 'fatal' ? 'fatal' : 'retryable',
        error: { code: transcript.error.code, message: transcript.error.message },
        retryAfterMs: null,
        rateLimited: false,
        latencyMs: modelTimeMs,
      };
    }
    const score = scoreOutput(sample, config.defaults, answer ?? '');
    let promptTokens = 0;
    let completionTokens = 0;
    for (const e of transcript.events) {
      promptTokens += e.usage?.promptTokens ?? 0;
      completionTokens += e.usage?.completionTokens ?? 0;
    }
    return {
      status: 'scored',
      value: score.value,
      answer: score.answer,
      output: answer ?? '',
      latencyMs: modelTimeMs,
      promptTokens,
      completionTokens,
      transcript,
      sandboxStartMs: sandbox.startMs,
    };
  } finally {
    await sandbox.destroy();
  }
}

/** Executes one attempt of a unit (piscina's task function). */
export default async function runUnit(task: UnitTask): Promise<UnitOutcome> {
  try {
    if (task.sample.agent !== undefined) return await runAgenticUnit(task);
    const request = {
      messages: buildMessages(task.sample, config.defaults),
      ...(config.maxTokens === undefined ? {} : { max_tokens: config.maxTokens }),
      ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
      ...(task.seed === undefined ? {} : { seed: task.seed }),
    };
    const result = await client.complete(request);
    if (!result.ok) {
      return {
        status: 'error',
        kind: result.kind,
        error: { code: result.code, message: result.message },
        retryAfterMs: result.retryAfterMs ?? null,
        rateLimited: result.rateLimited,
        latencyMs: result.latencyMs,
      };
    }
    const score = scoreOutput(task.sample, config.defaults, result.content);
    return {
      status: 'scored',
      value: score.value,
      answer: score.answer,
      output: result.content,
      latencyMs: result.latencyMs,
      promptTokens: result.usage?.promptTokens ?? null,
      completionTokens: result.usage?.completionTokens ?? null,
    };
  } catch (error) {
    // A bug in prompt building or scoring fails this sample, visibly, without killing the run.
    return {
      status: 'error',
      kind: 'sample',
      error: toErrorData(error),
      retryAfterMs: null,
      rateLimited: false,
      latencyMs: 0,
    };
  }
}
