/**
 * Client of the OpenAI chat-completions protocol (vLLM, llama.cpp, Ollama, TGI ...) over node:http with a
 * keep-alive agent. One attempt per call: the runner schedules retries, so that a unit waiting out its backoff
 * does not hold a connection or a concurrency slot. Every failure is returned as data, never thrown.
 */
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { setMaxListeners } from 'node:events';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RedlineError } from '../../src/errors.js';
import type { ChatMessage } from '../../src/scoring/build-messages.js';
import type { AttemptFailure, AttemptResult, FailureKind, TokenUsage } from '../../src/endpoint/attempt-result.js';
import { classifyStatus } from '../../src/endpoint/classify-status.js';
import { parseRetryAfter } from '../../src/endpoint/retry-after.js';
import { isSecretParam, redactUrl } from '../../src/endpoint/redact-url.js';
import { extractServerMessage } from '../../src/endpoint/server-message.js';
import { scrubSecrets, secretVariants } from '../../src/endpoint/scrub-secrets.js';

export type { AttemptFailure, AttemptResult, AttemptSuccess, FailureKind } from '../../src/endpoint/attempt-result.js';
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

/** The generation request; the client adds `model`. */
export interface ChatRequest {
  messages: readonly ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
}

/** A chat-completions client bound to one endpoint and model. */
export interface ChatClient {
  /** The base URL without credentials, for recording on the run. */
  readonly endpoint: string;
  /** One attempt; resolves (never rejects) with the result. An aborted signal yields a retryable failure. */
  complete(request: ChatRequest, signal?: AbortSignal): Promise<AttemptResult>;
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
 * Creates a client; throws E_USAGE for a base URL that is not http(s) or for invalid limits.
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
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
    scheduling: 'lifo' as const,
    timeout: options.idleSocketTimeoutMs ?? DEFAULT_IDLE_SOCKET_TIMEOUT_MS,
  };
  const agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send = isHttps ? httpsRequest : httpRequest;

  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': 0,
  };
  let basic: string | undefined;
  if (options.apiKey !== undefined && options.apiKey !== '') {
    headers['authorization'] = `Bearer ${options.apiKey}`;
  } else if (target.username !== '' || target.password !== '') {
    // Credentials in the URL (a reverse proxy with basic auth): sent as a header, never shown.
    basic = Buffer.from(`${target.username}:${target.password}`).toString('base64');
    headers['authorization'] = `Basic ${basic}`;
  }
  const secrets = secretVariants([options.apiKey, target.password, basic, ...target.queryValues]);
  // One options object for all requests: http.request copies headers synchronously, so setting
  // content-length right before each call is safe on this single thread and saves two objects a request.
  const requestOptions: RequestOptions = {
    agent,
    method: 'POST',
    protocol: target.url.protocol,
    hostname: target.url.hostname.startsWith('[') ? target.url.hostname.slice(1, -1) : target.url.hostname,
    port: target.url.port === '' ? (isHttps ? 443 : 80) : Number(target.url.port),
    path: target.path,
    headers,
  };
  let closed = false;
  let lastSignal: AbortSignal | undefined;

  function failure(
    kind: FailureKind,
    message: string,
    startedMs: number,
    extra?: { code?: 'E_TIMEOUT'; status?: number; retryAfterMs?: number; rateLimited?: boolean; aborted?: true },
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

  function httpFailure(res: IncomingMessage, body: string, startedMs: number): AttemptFailure {
    const status = res.statusCode ?? 0;
    const { kind, rateLimited } = classifyStatus(status);
    const serverSaid = extractServerMessage(scrubSecrets(body, secrets));
    const head = `HTTP ${status} ${res.statusMessage || STATUS_CODES[status] || ''}`.trimEnd();
    let message = `${head} from ${endpoint}${serverSaid === '' ? '' : `: ${serverSaid}`}`;
    if (kind === 'fatal') message += `. ${fatalHint(status, res.headers)}`;
    const extra: { status: number; rateLimited: boolean; retryAfterMs?: number } = { status, rateLimited };
    const retryAfterMs = parseRetryAfter(
      { retryAfter: header(res.headers, 'retry-after'), retryAfterMs: header(res.headers, 'retry-after-ms') },
      Date.now(),
    );
    if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
    return failure(kind, message, startedMs, extra);
  }

  function fatalHint(status: number, resHeaders: IncomingHttpHeaders): string {
    switch (status) {
      case 401:
        return 'The endpoint rejected the credentials: check the API key (sent as "Authorization: Bearer")';
      case 403:
        return `The credentials may not use this endpoint or model "${model}": check the key's permissions and the model name`;
      case 404:
        return `Check the base URL (the API root ending in /v1, e.g. http://127.0.0.1:8000/v1) and the model name "${model}" (GET ${endpoint.replace(/\/$/, '')}/models lists the served models)`;
      case 405:
        return 'The URL does not accept POST /chat/completions: check the base URL (the API root ending in /v1)';
      default:
        if (status >= 300 && status < 400) {
          const location = header(resHeaders, 'location');
          const to = location === undefined ? '' : ` to ${redactUrl(URL.canParse(location, target.url.href) ? new URL(location, target.url).href : location)}`;
          return `The endpoint redirects${to}: use the final URL as the base URL`;
        }
        return 'Check the endpoint configuration (base URL, model name, API key)';
    }
  }

  function networkFailure(error: NodeJS.ErrnoException, startedMs: number): AttemptFailure {
    const code = error.code ?? 'ERROR';
    if (TLS_CONFIG_ERRORS.has(code)) {
      const hint =
        code === 'ERR_SSL_WRONG_VERSION_NUMBER'
          ? 'the server does not speak TLS here: use http:// or the TLS port'
          : 'point NODE_EXTRA_CA_CERTS at the lab CA bundle, or check the host name in the certificate';
      return failure('fatal', `TLS error (${code}) talking to ${endpoint}: ${error.message}; ${hint}`, startedMs);
    }
    const hint = code === 'ECONNREFUSED' ? ' (is the model server running and listening there?)' : '';
    return failure('retryable', `connection error (${code}) talking to ${endpoint}: ${error.message}${hint}`, startedMs);
  }

  function parseCompletion(body: string, startedMs: number): AttemptResult {
    if (body.trim() === '') return failure('retryable', `empty response body from ${endpoint}`, startedMs);
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      const snippet = extractServerMessage(scrubSecrets(body, secrets), 80);
      return failure('retryable', `malformed JSON body (${body.length} chars) from ${endpoint}: ${snippet}`, startedMs);
    }
    const choice = isRecord(doc) && Array.isArray(doc['choices']) ? (doc['choices'][0] as unknown) : undefined;
    const message = isRecord(choice) ? choice['message'] : undefined;
    let content = isRecord(message) ? textOf(message['content']) : undefined;
    if (content === undefined && isRecord(message)) {
      // Tool calls without text: not used by Redline yet; the model gave no answer, which scores as such.
      const toolCalls = message['tool_calls'];
      if (Array.isArray(toolCalls) && toolCalls.length > 0) content = '';
    }
    if (content === undefined) {
      const serverSaid = isRecord(doc) && doc['error'] !== undefined ? extractServerMessage(body) : '';
      const detail = serverSaid === '' ? '' : `: ${serverSaid}`;
      return failure('retryable', `response from ${endpoint} has no choices[0].message.content${detail}`, startedMs);
    }
    const finish = isRecord(choice) ? choice['finish_reason'] : undefined;
    const result: AttemptResult = {
      ok: true,
      content,
      finishReason: typeof finish === 'string' ? finish : null,
      latencyMs: performance.now() - startedMs,
    };
    const usage = isRecord(doc) ? usageOf(doc['usage']) : undefined;
    if (usage !== undefined) result.usage = usage;
    return result;
  }

  function complete(request: ChatRequest, signal?: AbortSignal): Promise<AttemptResult> {
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
    });
    if (signal !== undefined && signal !== lastSignal) {
      // One run-wide signal is shared by every request in flight: lift the 10-listener warning once.
      setMaxListeners(0, signal);
      lastSignal = signal;
    }
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      headers['content-length'] = Buffer.byteLength(body);
      const req: ClientRequest = send(requestOptions);

      const settle = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = (): void => {
        settle(failure('retryable', `aborted by the caller after ${elapsed(startedMs)} ms`, startedMs, { aborted: true }));
        req.destroy();
      };
      const timer = setTimeout(() => {
        settle(
          failure('retryable', `no complete response from ${endpoint} within ${timeoutMs} ms`, startedMs, {
            code: 'E_TIMEOUT',
          }),
        );
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
            settle(failure('retryable', `response from ${endpoint} exceeds ${MAX_RESPONSE_CHARS} chars`, startedMs));
            req.destroy();
          }
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          settle(status >= 200 && status < 300 ? parseCompletion(text, startedMs) : httpFailure(res, text, startedMs));
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

  function truncated(error: NodeJS.ErrnoException | undefined, startedMs: number): AttemptFailure {
    const why = error === undefined ? '' : ` (${error.code ?? error.message})`;
    return failure('retryable', `response from ${endpoint} was cut off before its end${why}`, startedMs);
  }

  return {
    endpoint,
    complete,
    close(): void {
      closed = true;
      agent.destroy();
    },
  };
}

interface BaseUrl {
  url: URL;
  /** Path and query of the chat-completions resource. */
  path: string;
  username: string;
  password: string;
  queryValues: string[];
}

function parseBaseUrl(baseUrl: string): BaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // The text is not echoed: it may hold a key.
    throw new RedlineError('E_USAGE', 'endpoint: not a valid URL; expected e.g. http://127.0.0.1:8000/v1');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RedlineError(
      'E_USAGE',
      `endpoint: ${redactUrl(baseUrl)}: must be an http:// or https:// URL (got ${url.protocol.replace(/:$/, '')}); expected e.g. http://127.0.0.1:8000/v1`,
    );
  }
  const username = decodeOrKeep(url.username);
  const password = decodeOrKeep(url.password);
  url.username = '';
  url.password = '';
  url.hash = '';
  const root = url.pathname.replace(/\/+$/, '');
  const pathname = root.endsWith('/chat/completions') ? root : `${root}/chat/completions`;
  return {
    url,
    path: `${pathname}${url.search}`,
    username,
    password,
    queryValues: [...url.searchParams].filter(([name]) => isSecretParam(name)).map(([, value]) => value),
  };
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  // Content parts ([{type: 'text', text}]), as some servers send.
  let text = '';
  for (const part of content) {
    if (isRecord(part) && typeof part['text'] === 'string') text += part['text'];
  }
  return content.length > 0 ? text : undefined;
}

function usageOf(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const promptTokens = usage['prompt_tokens'];
  const completionTokens = usage['completion_tokens'];
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') return undefined;
  return { promptTokens, completionTokens };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elapsed(startedMs: number): number {
  return Math.round(performance.now() - startedMs);
}
