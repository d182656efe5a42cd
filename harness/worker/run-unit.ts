/**
 * Runs inside a worker thread: a session of units (create-unit-pool.ts). Each unit is one attempt of one
 * (sample, epoch): build the prompt, call the endpoint once, score the output; agentic units run their episode
 * (run-agentic-unit.ts). Returns data, never throws for an expected failure.
 */
import { toErrorData } from '../../src/errors.js';
import { buildMessages } from '../../src/scoring/build-messages.js';
import { scoreOutput } from '../../src/scoring/registry.js';
import { createChatClient, type ChatClient } from '../endpoints/openai-compatible.js';
import type {
  OutcomeBatch,
  PoolOutcome,
  SessionMessage,
  SessionTask,
  UnitOutcome,
  UnitTask,
  WorkerConfig,
} from '../pool/unit-messages.js';
import { runAgenticUnit, type AgenticContext } from './run-agentic-unit.js';

/**
 * A session (piscina's task function): runs the units that arrive on the session's port, concurrently up to its cap,
 * and sends their outcomes back batched per turn of the event loop. Units past the cap wait in the session's queue;
 * when one finishes, the next starts at once, before its outcome is even sent. Resolves when the main thread ends
 * the session.
 */
export default function runSession(session: SessionTask): Promise<void> {
  const { config, port } = session;
  const context: AgenticContext = { config, client: createClient(config) };
  let outbox: OutcomeBatch = [];
  let flushQueued = false;
  let cap = Infinity;
  let running = 0;
  const queue: Array<[number, UnitTask]> = [];
  let head = 0;
  const flush = (): void => {
    flushQueued = false;
    const batch = outbox;
    outbox = [];
    port.postMessage(batch);
  };
  const send = (id: number, outcome: PoolOutcome): void => {
    outbox.push([id, outcome]);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  };
  const startQueued = (): void => {
    while (running < cap && head < queue.length) {
      const [id, task] = queue[head]!;
      queue[head++] = undefined as never;
      running++;
      void runUnit(task, context).then((outcome) => {
        running--;
        startQueued();
        send(id, outcome);
      });
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
  };
  return new Promise<void>((resolve) => {
    port.on('message', (message: SessionMessage) => {
      if ('end' in message) {
        port.close();
        context.client.close();
        resolve();
        return;
      }
      if ('cap' in message) {
        cap = message.cap;
        if (cap === 0) {
          while (head < queue.length) send(queue[head++]![0], { status: 'unstarted' });
          queue.length = 0;
          head = 0;
        }
      } else {
        for (const unit of message.units) queue.push(unit);
      }
      startQueued();
    });
  });
}

function createClient(config: WorkerConfig): ChatClient {
  return createChatClient({
    baseUrl: config.baseUrl,
    model: config.model,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    timeoutMs: config.timeoutMs,
    maxSockets: config.maxSockets,
  });
}

/** Executes one attempt of a unit; never rejects. */
export async function runUnit(task: UnitTask, context: AgenticContext): Promise<UnitOutcome> {
  const { config, client } = context;
  try {
    if (task.sample.agent !== undefined) return await runAgenticUnit(task, context);
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
    // A bug in prompt building, scoring or the episode fails this sample, visibly, without killing the run.
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
