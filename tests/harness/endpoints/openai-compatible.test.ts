import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatClient } from '../../../harness/endpoints/openai-compatible.js';
import type {
  AttemptResult,
  ChatClient,
  ChatClientOptions,
} from '../../../harness/endpoints/openai-compatible.js';

const KEY = 'sk-test-SECRET-4f9a2c71';
const MESSAGES = [{ role: 'user' as const, content: 'What is 2 + 2?' }];

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  received: Received[];
  connections: number;
  server: Server;
}

const servers: Server[] = [];
const clients: ChatClient[] = [];
const results: AttemptResult[] = [];

afterEach(async () => {
  // The key must never surface in any result of any test.
  expect(JSON.stringify(results)).not.toContain(KEY);
  results.length = 0;
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    servers.splice(0).map((server) => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      return closed;
    }),
  );
});

/** A loopback server whose handler sees the request with its body already read. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<TestServer> {
  const state: TestServer = { url: '', received: [], connections: 0, server: undefined as unknown as Server };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      state.received.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', () => (state.connections += 1));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function completion(content: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  };
}

function client(url: string, options: Partial<ChatClientOptions> = {}): ChatClient {
  const created = createChatClient({
    baseUrl: url,
    model: 'test-model',
    apiKey: KEY,
    timeoutMs: 5000,
    maxSockets: 4,
    ...options,
  });
  clients.push(created);
  return created;
}

async function attempt(chat: ChatClient, signal?: AbortSignal): Promise<AttemptResult> {
  const result = await chat.complete({ messages: MESSAGES, max_tokens: 16, temperature: 0 }, signal);
  results.push(result);
  return result;
}

function failed(result: AttemptResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe('createChatClient', () => {
  it('sends one chat-completions request and returns the answer', async () => {
    const srv = await serve((_req, res) => json(res, 200, completion('ANSWER: 4')));
    const result = await attempt(client(srv.url));
    expect(result).toMatchObject({
      ok: true,
      content: 'ANSWER: 4',
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 3 },
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const [request] = srv.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      model: 'test-model',
      messages: MESSAGES,
      max_tokens: 16,
      temperature: 0,
    });
  });

  it('keeps the connection alive across requests', async () => {
    const srv = await serve((_req, res) => json(res, 200, completion('ok')));
    const chat = client(srv.url, { maxSockets: 1 });
    for (let i = 0; i < 5; i++) expect((await attempt(chat)).ok).toBe(true);
    expect(srv.connections).toBe(1);
  });

  it('closes idle connections itself, without cutting a slow answer short', async () => {
    const srv = await serve((_req, res) =>
      setTimeout(() => json(res, 200, completion('slow but fine')), 100),
    );
    // The server would keep the connection for a minute: only the client can close it before the test times out.
    srv.server.keepAliveTimeout = 60_000;
    const socketClosed = new Promise<void>((resolve) =>
      srv.server.once('connection', (socket: Socket) => socket.once('close', () => resolve())),
    );
    const result = await attempt(client(srv.url, { idleSocketTimeoutMs: 20 }));
    expect(result).toMatchObject({ ok: true, content: 'slow but fine' });
    await socketClosed;
  });

  it('resolves the chat path from a base URL with a trailing slash, a full path, or a query', async () => {
    const srv = await serve((_req, res) => json(res, 200, completion('ok')));
    await attempt(client(`${srv.url}/`));
    await attempt(client(`${srv.url}/chat/completions`));
    await attempt(client(`${srv.url}?api-version=2024-02-01`));
    expect(srv.received.map((r) => r.url)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
      '/v1/chat/completions?api-version=2024-02-01',
    ]);
  });

  it('sends no Authorization header without a key, and basic auth from URL userinfo', async () => {
    const srv = await serve((_req, res) => json(res, 200, completion('ok')));
    await attempt(client(srv.url, { apiKey: undefined }));
    const withUser = client(srv.url.replace('http://', 'http://lab:pa%24%24word@'), { apiKey: undefined });
    await attempt(withUser);
    expect(srv.received[0]?.headers.authorization).toBeUndefined();
    expect(srv.received[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from('lab:pa$$word').toString('base64')}`,
    );
    expect(withUser.endpoint).toBe(srv.url);
  });

  it('joins content parts, and returns empty content for a reply of only tool calls', async () => {
    const replies = [
      completion([
        { type: 'text', text: 'ANSWER: ' },
        { type: 'text', text: 'B' },
      ]),
      completion(null, {
        tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
      }),
    ];
    const srv = await serve((_req, res) => json(res, 200, replies.shift()));
    const chat = client(srv.url);
    expect(await attempt(chat)).toMatchObject({ ok: true, content: 'ANSWER: B' });
    expect(await attempt(chat)).toMatchObject({ ok: true, content: '' });
  });

  it.each([
    ['malformed JSON', '{"choices":[{"message":{"content":"ANS'],
    ['an empty body', ''],
    ['no choices', '{"object":"chat.completion","choices":[]}'],
    ['null content', JSON.stringify(completion(null))],
    ['an error object', '{"error":{"message":"engine overloaded"}}'],
  ])('retries a 200 with %s', async (_name, body) => {
    const srv = await serve((_req, res) => json(res, 200, body));
    const result = failed(await attempt(client(srv.url)));
    expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT', rateLimited: false });
  });

  it('retries a body cut off before its Content-Length', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 });
      res.write('{"choices":[{"message":{"content":"AN');
      setImmediate(() => res.socket?.destroy());
    });
    expect(failed(await attempt(client(srv.url)))).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
  });

  it('retries a chunked body cut off before its end', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices":[{"message":{"content":"AN');
      setImmediate(() => res.socket?.destroy());
    });
    expect(failed(await attempt(client(srv.url)))).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
  });

  it('retries a 429 as rate limited, with the wait the server asked for', async () => {
    const srv = await serve((_req, res) =>
      json(
        res,
        429,
        { error: { message: 'Rate limit reached' } },
        { 'retry-after': '7', 'retry-after-ms': '1500' },
      ),
    );
    const result = failed(await attempt(client(srv.url)));
    expect(result).toMatchObject({
      kind: 'retryable',
      code: 'E_ENDPOINT',
      status: 429,
      rateLimited: true,
      retryAfterMs: 1500,
    });
    expect(result.message).toContain('Rate limit reached');
  });

  it('reads Retry-After on a 503 and treats it as overload', async () => {
    const srv = await serve((_req, res) => json(res, 503, { error: 'busy' }, { 'retry-after': '2' }));
    expect(failed(await attempt(client(srv.url)))).toMatchObject({
      kind: 'retryable',
      status: 503,
      rateLimited: true,
      retryAfterMs: 2000,
    });
  });

  it.each([408, 409, 425, 500, 502, 504])('retries HTTP %i without a rate-limit signal', async (status) => {
    const srv = await serve((_req, res) => json(res, status, 'upstream trouble'));
    const result = failed(await attempt(client(srv.url)));
    expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT', status, rateLimited: false });
    expect(result.retryAfterMs).toBeUndefined();
  });

  it.each([400, 413, 422])(
    'fails only the sample on HTTP %i, quoting the server (truncated)',
    async (status) => {
      const long = `This model's maximum context length is 4096 tokens. ${'x'.repeat(2000)}`;
      const srv = await serve((_req, res) =>
        json(res, status, { error: { message: long, type: 'BadRequestError' } }),
      );
      const result = failed(await attempt(client(srv.url)));
      expect(result).toMatchObject({ kind: 'sample', code: 'E_ENDPOINT', status, rateLimited: false });
      expect(result.message).toContain("This model's maximum context length is 4096 tokens.");
      expect(result.message.length).toBeLessThan(500);
    },
  );

  it.each([401, 403, 404, 405, 307])('stops the run on HTTP %i', async (status) => {
    const srv = await serve((_req, res) =>
      json(res, status, { error: { message: 'nope' } }, { location: '/elsewhere' }),
    );
    const result = failed(await attempt(client(srv.url)));
    expect(result).toMatchObject({ kind: 'fatal', code: 'E_ENDPOINT', status, rateLimited: false });
  });

  it('never lets the key through, even when the server echoes it', async () => {
    const srv = await serve((req, res) =>
      json(res, 401, {
        error: { message: `Incorrect API key provided: ${req.headers.authorization ?? ''}` },
      }),
    );
    const result = failed(await attempt(client(srv.url)));
    expect(result.kind).toBe('fatal');
    expect(result.message).toContain('Incorrect API key provided');
    expect(result.message).not.toContain(KEY);
  });

  it('scrubs the key from an echoed malformed body', async () => {
    const srv = await serve((req, res) => json(res, 200, `oops ${req.headers.authorization ?? ''}`));
    expect(failed(await attempt(client(srv.url))).message).not.toContain(KEY);
  });

  it('retries when the server resets the connection', async () => {
    const srv = await serve((req) => req.socket.destroy());
    expect(failed(await attempt(client(srv.url)))).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
  });

  it('retries when nothing listens', async () => {
    const srv = await serve(() => undefined);
    const url = srv.url;
    srv.server.close();
    await once(srv.server, 'close');
    const result = failed(await attempt(client(url)));
    expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('gives up with E_TIMEOUT when the server hangs past the deadline', async () => {
    const srv = await serve(() => undefined);
    const result = failed(await attempt(client(srv.url, { timeoutMs: 100 })));
    expect(result).toMatchObject({ kind: 'retryable', code: 'E_TIMEOUT' });
  });

  it('stops an attempt when the caller aborts, and does not send when already aborted', async () => {
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const srv = await serve(() => arrived());
    const chat = client(srv.url);
    const controller = new AbortController();
    const pending = attempt(chat, controller.signal);
    await reached;
    controller.abort();
    expect(failed(await pending)).toMatchObject({ kind: 'retryable', aborted: true });
    expect(failed(await attempt(chat, controller.signal))).toMatchObject({
      kind: 'retryable',
      aborted: true,
    });
    expect(srv.received).toHaveLength(1);
  });

  it('returns a failure, not a throw, after close()', async () => {
    const srv = await serve((_req, res) => json(res, 200, completion('ok')));
    const chat = client(srv.url);
    chat.close();
    expect(failed(await attempt(chat)).kind).toBe('fatal');
    expect(srv.received).toHaveLength(0);
  });

  it('rejects a base URL that is not http(s), without echoing it', () => {
    for (const baseUrl of ['ftp://127.0.0.1/v1', `file:///${KEY}`, `${KEY} is not a URL`]) {
      let caught: unknown;
      try {
        createChatClient({ baseUrl, model: 'm', timeoutMs: 1000, maxSockets: 1 });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'E_USAGE' });
      expect((caught as Error).message).not.toContain(KEY);
    }
  });

  it('rejects invalid limits with E_USAGE', () => {
    const base = { baseUrl: 'http://127.0.0.1:1/v1', model: 'm', timeoutMs: 1000, maxSockets: 1 };
    expect(() => createChatClient({ ...base, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
    expect(() => createChatClient({ ...base, maxSockets: 0 })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
    expect(() => createChatClient({ ...base, model: '' })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });

  it('records the endpoint without credentials', () => {
    const chat = client(`http://user:${KEY}@127.0.0.1:1/v1?api-key=${KEY}`);
    expect(chat.endpoint).toBe('http://127.0.0.1:1/v1?api-key=redacted');
  });
});
