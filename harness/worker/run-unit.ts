/**
 * Runs inside a worker thread: one attempt of one (sample, epoch): build the prompt, call the endpoint once,
 * score the output. Returns data, never throws for an expected failure.
 */
import { workerData } from 'node:worker_threads';
import { toErrorData } from '../../src/errors.js';
import { buildMessages } from '../../src/scoring/build-messages.js';
import { scoreOutput } from '../../src/scoring/registry.js';
import { createChatClient } from '../endpoints/openai-compatible.js';
import type { UnitOutcome, UnitTask, WorkerConfig } from '../pool/unit-messages.js';

const config = workerData as WorkerConfig;
const client = createChatClient({
  baseUrl: config.baseUrl,
  model: config.model,
  ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
  timeoutMs: config.timeoutMs,
  maxSockets: config.maxSockets,
});

/** Executes one attempt of a unit (piscina's task function). */
export default async function runUnit(task: UnitTask): Promise<UnitOutcome> {
  try {
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
