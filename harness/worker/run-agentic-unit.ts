/**
 * An agentic unit inside a worker thread: a fresh sandbox (bubblewrap, or docker's networks, services and agent
 * container) with the task files, the agent loop, the score, the sandbox removed.
 */
import { threadId } from 'node:worker_threads';
import { RedlineError, toErrorData } from '../../src/errors.js';
import { scoreOutput } from '../../src/scoring/registry.js';
import type { ChatClient } from '../endpoints/openai-compatible.js';
import type { UnitOutcome, UnitTask, WorkerConfig } from '../pool/unit-messages.js';
import { materializeFiles } from '../agent/materialize-files.js';
import { runAgent } from '../agent/run-agent.js';
import { createBwrapBackend } from '../sandbox/bwrap-backend.js';
import {
  createDockerBackend,
  LABEL,
  type DockerBackend,
  type DockerSandbox,
} from '../sandbox/docker-backend.js';
import { makePlantedFlag, toDockerSandboxSpec } from '../sandbox/docker-sandbox-spec.js';
import type { Sandbox, SandboxBackend } from '../sandbox/sandbox-backend.js';

/** What a session's agentic units share: the run's configuration, its chat client and its sandbox backends. */
export interface AgenticContext {
  config: WorkerConfig;
  client: ChatClient;
  /** Created on the session's first bubblewrap sample: the thread's sandboxes take uids from its own range. */
  bwrap?: SandboxBackend;
  /** Created on the session's first docker sample. */
  docker?: DockerBackend;
}

/** The outcome of a sandbox that could not be made: engine gone stops the run, infrastructure makes it invalid. */
function sandboxFailure(error: unknown): UnitOutcome {
  const data = toErrorData(error);
  const kind = data.code === 'E_STATE' ? 'fatal' : data.code === 'E_SANDBOX' ? 'invalid' : 'sample';
  return { status: 'error', kind, error: data, retryAfterMs: null, rateLimited: false, latencyMs: 0 };
}

/** A fresh sandbox for the unit: bubblewrap, or the docker backend's network, services and agent container. */
async function createSandbox(
  task: UnitTask,
  flag: string | undefined,
  context: AgenticContext,
): Promise<Sandbox | DockerSandbox> {
  const { sample } = task;
  const { config } = context;
  if (sample.sandbox?.backend === 'docker') {
    context.docker ??= createDockerBackend(
      config.dockerRuntime === undefined ? {} : { runtime: config.dockerRuntime },
    );
    const labels: Record<string, string> = { [LABEL.unit]: `${sample.id}#${task.epoch}` };
    if (config.runId !== undefined) labels[LABEL.run] = config.runId;
    return context.docker.create(
      toDockerSandboxSpec(sample, config.suiteDir, { ...(flag === undefined ? {} : { flag }), labels }),
    );
  }
  // Each worker thread allocates its sandboxes' uids from its own range, so concurrent sandboxes never share a
  // process limit.
  context.bwrap ??= createBwrapBackend({
    rootDir: config.sandboxRoot,
    uidBase: 200_000 + threadId * 100_000,
  });
  return context.bwrap.create({
    files: materializeFiles(sample.sandbox?.files ?? {}, config.suiteDir),
    ...(sample.sandbox?.setup === undefined ? {} : { setup: sample.sandbox.setup }),
  });
}

/** Runs an agentic unit: a fresh sandbox with the task files, the agent loop, the sandbox removed afterwards. */
export async function runAgenticUnit(task: UnitTask, context: AgenticContext): Promise<UnitOutcome> {
  const { config, client } = context;
  const { sample } = task;
  // A planted flag is made here, per (sample, epoch), and is this unit's target: a memorised flag scores 0.
  const planted = sample.sandbox?.flag;
  const flag = planted === undefined ? undefined : makePlantedFlag(planted.format);
  let sandbox;
  try {
    sandbox = await createSandbox(task, flag, context);
  } catch (error) {
    return sandboxFailure(error);
  }
  let isDestroyed = false;
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
    // A service the infrastructure lost (OOM-killed) makes the episode invalid, whatever the model did.
    const problem = 'check' in sandbox ? await sandbox.check() : null;
    if (problem !== null) {
      return sandboxFailure(new RedlineError('E_SANDBOX', `sample ${sample.id}: ${problem}`));
    }
    const scored = flag === undefined ? sample : { ...sample, target: flag };
    const score = scoreOutput(scored, config.defaults, answer ?? '');
    let promptTokens = 0;
    let completionTokens = 0;
    for (const e of transcript.events) {
      promptTokens += e.usage?.promptTokens ?? 0;
      completionTokens += e.usage?.completionTokens ?? 0;
    }
    const teardownStartedAt = performance.now();
    isDestroyed = true;
    await sandbox.destroy();
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
      sandboxTeardownMs: performance.now() - teardownStartedAt,
    };
  } catch (error) {
    // The engine failed under the episode (a container vanished, the socket broke): not the model's doing.
    if (sample.sandbox?.backend === 'docker') return sandboxFailure(error);
    throw error;
  } finally {
    if (!isDestroyed) await sandbox.destroy().catch(() => undefined);
  }
}
