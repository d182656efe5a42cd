/**
 * Client of the OpenAI chat-completions protocol (vLLM, llama.cpp, Ollama, TGI ...): plain http over the lean
 * keep-alive pool of http1-pool.ts (the hot path of local runs), https over node:https with a keep-alive agent.
 * One attempt per call: the runner schedules retries, so that a unit waiting out its backoff does not hold a
 * connection or a concurrency slot. Every failure is returned as data, never thrown.
 */
import { STATUS_CODES } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { setMaxListeners } from 'node:events';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkHeaderValues, createHttp1Pool } from './http1-pool.js';
import type { Http1Outcome, Http1Pool, ResponseHead } from './http1-pool.js';
import { RedlineError } from '../../src/errors.js';
import type { AgentMessage, ToolCall } from '../../src/agent/agent-message.js';
import type { ToolDefinition } from '../../src/agent/tools.js';
import type { AttemptFailure, AttemptSuccess, FailureKind } from '../../src/endpoint/attempt-result.js';
import { classifyStatus } from '../../src/endpoint/classify-status.js';
import { parseRetryAfter } from '../../src/endpoint/retry-after.js';
import { fatalHint } from '../../src/endpoint/fatal-hint.js';
import { parseBaseUrl } from '../../src/endpoint/parse-base-url.js';
import { parseCompletion } from '../../src/endpoint/parse-completion.js';
import { redactUrl } from '../../src/endpoint/redact-url.js';
import { extractServerMessage } from '../../src/endpoint/server-message.js';
import { scrubSecrets, secretVariants } from '../../src/endpoint/scrub-secrets.js';

export type {
  AttemptFailure,
  AttemptResult,
  AttemptSuccess,
  FailureKind,
} from '../../src/endpoint/attempt-result.js';
export { redactUrl } from '../../src/endpoint/redact-url.js';

/** How to reach the endpoint. */
export interface ChatClientOptions {
  /** The API root, e.g. `http://127.0.0.1:8000/v1` (a URL ending in /chat/completions is accepted as is). */
  baseUrl: string;
  /** The `model` field of every request. */
  model: string;
  /** Sent as `Authorization: Bearer ...`; never appears in a result. */
  apiKey?: string | undefined;
  /** Deadline of one attempt, from sending to the complete body. */
  timeoutMs: number;
  /** Most connections kept to the endpoint (the agent's maxSockets). */
  maxSockets: number;
  /**
   * Idle keep-alive connections are closed after this long (default 4000 ms): below the 5 s keep-alive timeout
   * of uvicorn (vLLM) and Node servers, so a request is not sent on a socket the server is closing.
   */
  idleSocketTimeoutMs?: number;
}

/** `tool_choice` of a request: let the model decide, forbid or require tools, or force one function. */
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** The generation request; the client adds `model`. */
export interface ChatRequest {
  /** system/user/assistant messages; in an agent loop also assistant tool calls and `tool` results. */
  messages: readonly AgentMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  /** OpenAI function tools offered to the model (sent only when given). */
  tools?: readonly ToolDefinition[];
  tool_choice?: ToolChoice;
}

/** A successful attempt with the reply's tool calls (`content` is '' when the model only called tools). */
export interface ChatSuccess extends AttemptSuccess {
  /** The tool calls of the reply, in order; empty when none. */
  toolCalls: ToolCall[];
}

/** One attempt's outcome, as the chat client returns it (assignable to AttemptResult). */
export type ChatResult = ChatSuccess | AttemptFailure;

/** A chat-completions client bound to one endpoint and model. */
export interface ChatClient {
  /** The base URL without credentials, for recording on the run. */
  readonly endpoint: string;
  /** One attempt; resolves (never rejects) with the result. An aborted signal yields a retryable failure. */
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
  /** Closes the kept-alive connections; later calls fail. */
  close(): void;
}

// A response larger than this is not an answer to an evaluation question; do not buffer it.
const MAX_RESPONSE_CHARS = 16 * 1024 * 1024;
const DEFAULT_IDLE_SOCKET_TIMEOUT_MS = 4000;

// Errors that mean TLS cannot work with this configuration: retrying is pointless.
const TLS_CONFIG_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/**
 * Creates a client; throws E_USAGE for a base URL that is not http(s), for invalid limits, or for an API key
 * that cannot be sent in a header.
 *
 * @example
 * const client = createChatClient({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'llama', timeoutMs: 60_000, maxSockets: 64 });
 * const result = await client.complete({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 16 });
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const target = parseBaseUrl(options.baseUrl);
  if (options.model === '') throw new RedlineError('E_USAGE', 'model: must not be empty (pass --model NAME)');
  if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) {
    throw new RedlineError('E_USAGE', `timeout: must be a positive number of ms (got ${options.timeoutMs})`);
  }
  if (!Number.isInteger(options.maxSockets) || options.maxSockets < 1) {
    throw new RedlineError('E_USAGE', `max sockets: must be an integer >= 1 (got ${options.maxSockets})`);
  }
  const { model, timeoutMs } = options;
  const endpoint = redactUrl(target.url.href);
  const isHttps = target.url.protocol === 'https:';
  const idleSocketTimeoutMs = options.idleSocketTimeoutMs ?? DEFAULT_IDLE_SOCKET_TIMEOUT_MS;
  const hostname = target.url.hostname.startsWith('[')
    ? target.url.hostname.slice(1, -1)
    : target.url.hostname;
  const port = target.url.port === '' ? (isHttps ? 443 : 80) : Number(target.url.port);

  let authorization: string | undefined;
  let basic: string | undefined;
  if (options.apiKey !== undefined && options.apiKey !== '') {
    authorization = `Bearer ${options.apiKey}`;
  } else if (target.username !== '' || target.password !== '') {
    // Credentials in the URL (a reverse proxy with basic auth): sent as a header, never shown.
    basic = Buffer.from(`${target.username}:${target.password}`).toString('base64');
    authorization = `Basic ${basic}`;
  }
  const secrets = secretVariants([options.apiKey, target.password, basic, ...target.secretQueryValues]);
  if (authorization !== undefined) checkHeaderValues({ authorization });

  // Plain http: the lean pool (the Host header is URL.host: the port only when it is not the default, as node:http).
  const pool: Http1Pool | undefined = isHttps
    ? undefined
    : createHttp1Pool({
        host: hostname,
        port,
        hostHeader: target.url.host,
        path: target.path,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
        maxSockets: options.maxSockets,
        idleTimeoutMs: idleSocketTimeoutMs,
        timeoutMs,
        // A byte cap: UTF-8 bytes >= UTF-16 chars, so every body over the char cap is refused, before decoding.
        maxBodyBytes: MAX_RESPONSE_CHARS,
      });

  // https: node:https with a keep-alive agent.
  const agent = isHttps
    ? new HttpsAgent({
        keepAlive: true,
        maxSockets: options.maxSockets,
        maxFreeSockets: options.maxSockets,
        scheduling: 'lifo',
        timeout: idleSocketTimeoutMs,
      })
    : undefined;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': 0,
  };
  if (authorization !== undefined) headers['authorization'] = authorization;
  // One options object for all requests: https.request copies headers synchronously, so setting
  // content-length right before each call is safe on this single thread and saves two objects a request.
  const requestOptions: RequestOptions = {
    agent,
    method: 'POST',
    protocol: target.url.protocol,
    hostname,
    port,
    path: target.path,
    headers,
  };
  let closed = false;
  let lastSignal: AbortSignal | undefined;

  function failure(
    kind: FailureKind,
    message: string,
    startedMs: number,
    extra?: {
      code?: 'E_TIMEOUT';
      status?: number;
      retryAfterMs?: number;
      rateLimited?: boolean;
      aborted?: true;
    },
  ): AttemptFailure {
    const result: AttemptFailure = {
      ok: false,
      kind,
      code: extra?.code ?? 'E_ENDPOINT',
      message: scrubSecrets(message, secrets),
      rateLimited: extra?.rateLimited ?? false,
      latencyMs: performance.now() - startedMs,
    };
    if (extra?.status !== undefined) result.status = extra.status;
    if (extra?.retryAfterMs !== undefined) result.retryAfterMs = extra.retryAfterMs;
    if (extra?.aborted !== undefined) result.aborted = extra.aborted;
    return result;
  }

  function httpFailure(res: ResponseHead, body: string, startedMs: number): AttemptFailure {
    const status = res.statusCode;
    const { kind, rateLimited } = classifyStatus(status);
    const serverSaid = extractServerMessage(scrubSecrets(body, secrets));
    const head = `HTTP ${status} ${res.statusMessage || STATUS_CODES[status] || ''}`.trimEnd();
    let message = `${head} from ${endpoint}${serverSaid === '' ? '' : `: ${serverSaid}`}`;
    if (kind === 'fatal') {
      const hint = fatalHint(status, { endpoint, model, location: res.header('location') });
      message += `${/[.!?]$/.test(message) ? '' : '.'} ${hint}`;
    }
    const extra: { status: number; rateLimited: boolean; retryAfterMs?: number } = { status, rateLimited };
    const retryAfterMs = parseRetryAfter(
      { retryAfter: res.header('retry-after'), retryAfterMs: res.header('retry-after-ms') },
      Date.now(),
    );
    if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
    return failure(kind, message, startedMs, extra);
  }

  function networkFailure(error: NodeJS.ErrnoException, startedMs: number): AttemptFailure {
    const code = error.code ?? 'ERROR';
    if (TLS_CONFIG_ERRORS.has(code)) {
      const hint =
        code === 'ERR_SSL_WRONG_VERSION_NUMBER'
          ? 'the server does not speak TLS here: use http:// or the TLS port'
          : 'point NODE_EXTRA_CA_CERTS at the lab CA bundle, or check the host name in the certificate';
      return failure(
        'fatal',
        `TLS error (${code}) talking to ${endpoint}: ${error.message}; ${hint}`,
        startedMs,
      );
    }
    const hint = code === 'ECONNREFUSED' ? ' (is the model server running and listening there?)' : '';
    return failure(
      'retryable',
      `connection error (${code}) talking to ${endpoint}: ${error.message}${hint}`,
      startedMs,
    );
  }

  function completion(body: string, startedMs: number): ChatResult {
    const parsed = parseCompletion(body);
    if (!parsed.ok) {
      return failure(
        'retryable',
        `response from ${endpoint}: ${scrubSecrets(parsed.problem, secrets)}`,
        startedMs,
      );
    }
    const result: ChatSuccess = {
      ok: true,
      content: parsed.content,
      finishReason: parsed.finishReason,
      latencyMs: performance.now() - startedMs,
      toolCalls: parsed.toolCalls ?? [],
    };
    if (parsed.usage !== undefined) result.usage = parsed.usage;
    return result;
  }

  function complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const startedMs = performance.now();
    if (closed) return Promise.resolve(failure('fatal', 'the chat client is closed', startedMs));
    if (signal?.aborted === true) {
      return Promise.resolve(failure('retryable', 'aborted before sending', startedMs, { aborted: true }));
    }
    const body = JSON.stringify({
      model,
      messages: request.messages,
      max_tokens: request.max_tokens,
      temperature: request.temperature,
      top_p: request.top_p,
      seed: request.seed,
      tools: request.tools,
      tool_choice: request.tool_choice,
    });
    if (signal !== undefined && signal !== lastSignal) {
      // One run-wide signal is shared by every request in flight: lift the 10-listener warning once.
      setMaxListeners(0, signal);
      lastSignal = signal;
    }
    if (pool !== undefined) {
      return new Promise<ChatResult>((resolve) => {
        pool.post(body, startedMs, signal, (outcome) => resolve(fromOutcome(outcome, startedMs)));
      });
    }
    return new Promise<ChatResult>((resolve) => {
      let settled = false;
      headers['content-length'] = Buffer.byteLength(body);
      const req: ClientRequest = httpsRequest(requestOptions);

      const settle = (result: ChatResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = (): void => {
        settle(abortedFailure(startedMs));
        req.destroy();
      };
      const timer = setTimeout(() => {
        settle(timeoutFailure(startedMs));
        req.destroy();
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (error: NodeJS.ErrnoException) => settle(networkFailure(error, startedMs)));
      req.on('response', (res: IncomingMessage) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length > MAX_RESPONSE_CHARS) {
            settle(
              failure(
                'retryable',
                `response from ${endpoint} exceeds ${MAX_RESPONSE_CHARS} chars`,
                startedMs,
              ),
            );
            req.destroy();
          }
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          settle(
            status >= 200 && status < 300
              ? completion(text, startedMs)
              : httpFailure(incomingHead(res), text, startedMs),
          );
        });
        // The connection closed before the body was complete (truncated Content-Length or chunked body).
        res.on('error', (error: NodeJS.ErrnoException) => settle(truncated(error, startedMs)));
        res.on('close', () => {
          if (!res.complete) settle(truncated(undefined, startedMs));
        });
      });
      req.end(body);
    });
  }

  /** The result of an attempt made through the pool (plain http). */
  function fromOutcome(outcome: Http1Outcome, startedMs: number): ChatResult {
    switch (outcome.type) {
      case 'response':
        return outcome.statusCode >= 200 && outcome.statusCode < 300
          ? completion(outcome.body, startedMs)
          : httpFailure(outcome, outcome.body, startedMs);
      case 'network':
        return networkFailure(outcome.error, startedMs);
      case 'truncated':
        return truncated(outcome.error, startedMs);
      case 'timeout':
        return timeoutFailure(startedMs);
      case 'aborted':
        return abortedFailure(startedMs);
      case 'closed':
        return failure('fatal', 'the chat client is closed', startedMs);
      case 'malformed':
        return failure(
          'retryable',
          `malformed HTTP response from ${endpoint}: ${outcome.problem}`,
          startedMs,
        );
      case 'too-large':
        return failure(
          'retryable',
          outcome.part === 'body'
            ? `response from ${endpoint} exceeds ${MAX_RESPONSE_CHARS} chars`
            : `response head from ${endpoint} exceeds ${outcome.limitBytes} bytes (status line, headers or chunked trailers)`,
          startedMs,
        );
    }
  }

  function timeoutFailure(startedMs: number): AttemptFailure {
    return failure('retryable', `no complete response from ${endpoint} within ${timeoutMs} ms`, startedMs, {
      code: 'E_TIMEOUT',
    });
  }

  function abortedFailure(startedMs: number): AttemptFailure {
    return failure('retryable', `aborted by the caller after ${elapsed(startedMs)} ms`, startedMs, {
      aborted: true,
    });
  }

  function truncated(error: NodeJS.ErrnoException | undefined, startedMs: number): AttemptFailure {
    const why = error === undefined ? '' : ` (${error.code ?? error.message})`;
    return failure('retryable', `response from ${endpoint} was cut off before its end${why}`, startedMs);
  }

  return {
    endpoint,
    complete,
    close(): void {
      closed = true;
      pool?.close();
      agent?.destroy();
    },
  };
}

/** The head of a node:https response, as httpFailure reads it. */
function incomingHead(res: IncomingMessage): ResponseHead {
  return {
    statusCode: res.statusCode ?? 0,
    statusMessage: res.statusMessage ?? '',
    header: (name) => header(res.headers, name),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function elapsed(startedMs: number): number {
  return Math.round(performance.now() - startedMs);
}
