/**
 * `redline sim`: a real OpenAI-compatible HTTP server that plays a model of a given skill on one suite, with
 * latency and injected faults. It drives the demo, the tests and the benchmarks, so the hot path is lean:
 * every prompt is built and hashed at startup, and a request costs one JSON.parse, one map lookup and one
 * string template.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedlineError } from '../../src/errors.js';
import type { SuiteDefaults } from '../../src/schema/suite.js';
import { answerFor } from '../../src/scoring/answer-for.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { DeadlineTimers } from './deadline-timers.js';
import { hashString, mixHash, unitFromHash } from './hash-string.js';
import { buildPromptIndex } from './build-prompt-index.js';
import { NON_ANSWER, renderReply } from './render-reply.js';
import { simulateAgentTurn } from './simulate-agent.js';

/** How the simulated model behaves. */
export interface SimulatorOptions {
  /** The suite whose samples it answers. */
  suite: SuiteHandle;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Probability of a correct answer (default 0.7). */
  skill?: number;
  /** Per-category skills, overriding `skill`. */
  skillByCategory?: Record<string, number>;
  /** Delay before each reply (default 0). */
  latencyMs?: number;
  /** Uniform +/- spread of the delay (default 0). */
  jitterMs?: number;
  /** Probability that a request meets a fault: 429, 500/503, a reset, or a malformed body (default 0). */
  faultRate?: number;
  /** Everything random is a function of the seed (default 0). */
  seed?: number;
  /** Retry-After seconds sent with injected 429s (default 0). */
  retryAfterS?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** Model id listed by GET /v1/models (default "redline-sim"); any requested model name is accepted and echoed. */
  model?: string;
}

/** Counters since startup. */
export interface SimulatorStats {
  /** Chat-completion requests received. */
  requests: number;
  /** Injected faults, by type. */
  faults: { rateLimited: number; serverError: number; reset: number; malformed: number };
  /** Chat completions answered (including unknown prompts). */
  answered: number;
  /** Answers that were correct. */
  correct: number;
  /** Answers to prompts that matched no sample. */
  unknown: number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:41234/v1. */
  url: string;
  port: number;
  stats(): SimulatorStats;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

type Fault = 'rateLimited' | 'serverError' | 'reset' | 'malformed';
const FAULTS: readonly Fault[] = ['rateLimited', 'serverError', 'reset', 'malformed'];

// Salts that keep the per-request decisions independent of each other.
const SALT_CORRECT = 1;
const SALT_PICK = 2;
const SALT_STYLE = 3;
const SALT_FAULT = 4;
const SALT_FAULT_TYPE = 5;
const SALT_LATENCY = 6;
const SALT_SERVER_ERROR = 7;

const MAX_BODY_CHARS = 8 * 1024 * 1024;

/**
 * Starts the simulator; resolves once it listens. Throws E_USAGE for invalid options or an unusable port.
 *
 * @example
 * const sim = await startSimulator({ suite: await openSuite('suites/cyber-knowledge'), skill: 0.8, seed: 1 });
 * // point a client at sim.url, then: await sim.close();
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const skill = checkFraction('skill', options.skill ?? 0.7);
  const faultRate = checkFraction('fault rate', options.faultRate ?? 0);
  const latencyMs = checkNonNegative('latency', options.latencyMs ?? 0);
  const jitterMs = checkNonNegative('jitter', options.jitterMs ?? 0);
  const retryAfterS = checkNonNegative('retry-after', options.retryAfterS ?? 0);
  const seed = options.seed ?? 0;
  const skillByCategory = options.skillByCategory ?? {};
  for (const [category, value] of Object.entries(skillByCategory)) {
    checkFraction(`skill of ${category}`, value);
  }
  const defaults: SuiteDefaults = options.suite.header.defaults;
  const modelId = options.model ?? 'redline-sim';
  const expectedAuth = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
  const seedHash = hashString('redline-sim', seed);

  const prompts = await buildPromptIndex(options.suite, { seed, skill, skillByCategory });

  const stats: SimulatorStats = {
    requests: 0,
    faults: { rateLimited: 0, serverError: 0, reset: 0, malformed: 0 },
    answered: 0,
    correct: 0,
    unknown: 0,
  };
  const timers = new Set<NodeJS.Timeout>();
  const deadlines = new DeadlineTimers();
  let lastModel = '';
  let lastModelJson = '""';

  function modelJson(model: unknown): string {
    const name = typeof model === 'string' && model !== '' ? model : modelId;
    if (name !== lastModel) {
      lastModel = name;
      lastModelJson = JSON.stringify(name);
    }
    return lastModelJson;
  }

  /** The reply to a chat request, computed when the request arrives and sent when its latency has passed. */
  function answer(index: number, body: string): Prepared {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return errorReply(400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    const messages = isRecord(doc) ? doc['messages'] : undefined;
    if (!Array.isArray(messages) || messages.length === 0) {
      return errorReply(400, 'invalid_request_error', "'messages' must be a non-empty array.");
    }
    const tools = isRecord(doc) ? doc['tools'] : undefined;
    if (Array.isArray(tools) && tools.length > 0) return answerAgent(index, messages, doc, body);
    const prompt = lastUserText(messages);
    const entry = prompt === undefined ? undefined : prompts.find(prompt);
    let content: string;
    let promptTokens: number;
    if (entry === undefined) {
      content = NON_ANSWER;
      promptTokens = Math.ceil(body.length / 4);
      stats.unknown += 1;
    } else {
      const k = mixHash(entry.hash, entry.answered);
      entry.answered += 1;
      const correct = unitFromHash(mixHash(k, SALT_CORRECT)) < entry.skill;
      const bare = correct
        ? entry.correctAnswer
        : answerFor(entry.sample, defaults, false, unitFromHash(mixHash(k, SALT_PICK)));
      content = renderReply(bare, entry.styles, unitFromHash(mixHash(k, SALT_STYLE)));
      promptTokens = entry.promptTokens;
      if (correct) stats.correct += 1;
    }
    stats.answered += 1;
    const completionTokens = Math.ceil(content.length / 4);
    const json =
      `{"id":"chatcmpl-sim-${index}","object":"chat.completion","created":${Math.floor(Date.now() / 1000)},` +
      `"model":${modelJson(isRecord(doc) ? doc['model'] : undefined)},"choices":[{"index":0,"message":{"role":"assistant",` +
      `"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":${promptTokens},` +
      `"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}}`;
    return { status: 200, json };
  }

  /** Agentic mode (the request offers tools): one tool call per reply, see simulateAgentTurn. */
  function answerAgent(index: number, messages: unknown[], doc: unknown, body: string): Prepared {
    const reply = simulateAgentTurn(messages, prompts, defaults, index);
    stats.answered += 1;
    if (reply.isUnknown) stats.unknown += 1;
    if (reply.isCorrect) stats.correct += 1;
    const message =
      reply.toolCalls.length === 0
        ? { role: 'assistant', content: reply.content }
        : { role: 'assistant', content: reply.content, tool_calls: reply.toolCalls };
    const promptTokens = Math.ceil(body.length / 4);
    const completionTokens = Math.ceil(JSON.stringify(message).length / 4);
    const json =
      `{"id":"chatcmpl-sim-${index}","object":"chat.completion","created":${Math.floor(Date.now() / 1000)},` +
      `"model":${modelJson(isRecord(doc) ? doc['model'] : undefined)},"choices":[{"index":0,"message":${JSON.stringify(message)},` +
      `"logprobs":null,"finish_reason":"${reply.finishReason}"}],"usage":{"prompt_tokens":${promptTokens},` +
      `"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}}`;
    return { status: 200, json };
  }

  function fault(
    kind: Fault,
    index: number,
    requestHash: number,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    stats.faults[kind] += 1;
    switch (kind) {
      case 'rateLimited':
        sendError(res, 429, 'rate_limit_error', 'Rate limit reached (simulated). Please retry later.', {
          'retry-after': String(retryAfterS),
          'retry-after-ms': String(Math.round(retryAfterS * 1000)),
        });
        return;
      case 'serverError':
        if (unitFromHash(mixHash(requestHash, SALT_SERVER_ERROR)) < 0.5) {
          sendError(res, 500, 'server_error', 'Internal server error (simulated).');
        } else {
          sendError(res, 503, 'server_error', 'The server is temporarily unavailable (simulated).');
        }
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'malformed':
        // A response cut in the middle of its JSON, with a consistent Content-Length.
        sendJson(
          res,
          200,
          `{"id":"chatcmpl-sim-${index}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist`,
        );
        return;
    }
  }

  function onChat(req: IncomingMessage, res: ServerResponse): void {
    // The latency counts from the request's arrival, not from when its body has been read and its answer worked out.
    const arrivedAt = performance.now();
    const index = stats.requests;
    stats.requests += 1;
    if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
      req.resume();
      sendError(res, 401, 'invalid_request_error', 'Incorrect API key provided.', {}, 'invalid_api_key');
      return;
    }
    req.setEncoding('utf8');
    let body = '';
    let tooLarge = false;
    req.on('data', (chunk: string) => {
      if (tooLarge) return;
      body += chunk;
      if (body.length > MAX_BODY_CHARS) {
        tooLarge = true;
        body = '';
      }
    });
    req.on('end', () => {
      if (tooLarge) {
        sendError(res, 413, 'invalid_request_error', `Request body exceeds ${MAX_BODY_CHARS} characters.`);
        return;
      }
      const requestHash = mixHash(seedHash, index);
      const injected =
        faultRate > 0 && unitFromHash(mixHash(requestHash, SALT_FAULT)) < faultRate
          ? FAULTS[Math.floor(unitFromHash(mixHash(requestHash, SALT_FAULT_TYPE)) * FAULTS.length)]
          : undefined;
      // The answer is worked out now, so that when a wave of replies falls due together (equal latencies) each
      // costs only its write: the simulator's own time stays out of the latency it simulates.
      const prepared = injected === undefined ? answer(index, body) : undefined;
      const reply = (): void => {
        if (prepared !== undefined) sendJson(res, prepared.status, prepared.json, prepared.extra);
        else if (injected !== undefined) fault(injected, index, requestHash, req, res);
      };
      const delayMs =
        latencyMs +
        (jitterMs === 0 ? 0 : (2 * unitFromHash(mixHash(requestHash, SALT_LATENCY)) - 1) * jitterMs);
      if (delayMs <= 0) {
        reply();
        return;
      }
      const timer = deadlines.at(arrivedAt + delayMs, () => {
        timers.delete(timer);
        if (!res.destroyed) reply();
      });
      timers.add(timer);
    });
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path === '/v1/chat/completions' || path === '/chat/completions') {
      if (req.method === 'POST') {
        onChat(req, res);
        return;
      }
      req.resume();
      sendError(res, 405, 'invalid_request_error', 'Use POST for /v1/chat/completions.', { allow: 'POST' });
      return;
    }
    req.resume();
    if (req.method === 'GET' && (path === '/health' || path === '/v1/health')) {
      sendJson(res, 200, '{"status":"ok"}');
    } else if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
        sendError(res, 401, 'invalid_request_error', 'Incorrect API key provided.', {}, 'invalid_api_key');
        return;
      }
      sendJson(
        res,
        200,
        `{"object":"list","data":[{"id":${JSON.stringify(modelId)},"object":"model","created":0,"owned_by":"redline"}]}`,
      );
    } else {
      sendError(res, 404, 'invalid_request_error', `Unknown route ${req.method ?? ''} ${path}.`);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new RedlineError(
          'E_USAGE',
          `simulator: cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0} (${error.code ?? error.message}); choose another --host/--port`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address.address)}:${address.port}/v1`;

  return {
    url,
    port: address.port,
    stats: () => ({ ...stats, faults: { ...stats.faults } }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, json: string, extra?: OutgoingHttpHeaders): void {
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...extra,
  };
  res.writeHead(status, headers);
  res.end(json);
}

/** A response ready to send: status, JSON body, extra headers. */
interface Prepared {
  status: number;
  json: string;
  extra?: OutgoingHttpHeaders;
}

/** An OpenAI-style error response. */
function errorReply(
  status: number,
  type: string,
  message: string,
  extra: OutgoingHttpHeaders = {},
  code: string | null = null,
): Prepared {
  return { status, json: JSON.stringify({ error: { message, type, param: null, code } }), extra };
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: OutgoingHttpHeaders = {},
  code: string | null = null,
): void {
  const reply = errorReply(status, type, message, extra, code);
  sendJson(res, reply.status, reply.json, reply.extra);
}

function lastUserText(messages: unknown[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!isRecord(message) || message['role'] !== 'user') continue;
    const content = message['content'];
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
      return content
        .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
        .join('');
    }
    return undefined;
  }
  return undefined;
}

function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

function checkFraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1))
    throw new RedlineError('E_USAGE', `simulator ${name}: must be in [0, 1] (got ${value})`);
  return value;
}

function checkNonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RedlineError('E_USAGE', `simulator ${name}: must be a number >= 0 (got ${value})`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
