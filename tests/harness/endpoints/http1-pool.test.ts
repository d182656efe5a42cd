import { getEventListeners, once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createNetServer, Socket } from 'node:net';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttp1Pool, MAX_HEAD_BYTES } from '../../../harness/endpoints/http1-pool.js';
import type {
  Http1Outcome,
  Http1Pool,
  Http1PoolOptions,
  Http1Response,
} from '../../../harness/endpoints/http1-pool.js';
import { createChatClient } from '../../../harness/endpoints/openai-compatible.js';
import type { AttemptResult, ChatClient } from '../../../harness/endpoints/openai-compatible.js';

const KEY = 'sk-test-SECRET-9d1e77b0';
const COMPLETION = JSON.stringify({
  choices: [{ index: 0, message: { role: 'assistant', content: 'ANSWER: 4' }, finish_reason: 'stop' }],
});

/** A request as a raw server read it. */
interface RawRequest {
  head: string;
  body: string;
  /** Index of the connection it came on (0 = first), and its index on that connection. */
  connection: number;
  onConnection: number;
}

interface RawServer {
  port: number;
  url: string;
  requests: RawRequest[];
  /** Server-side sockets, in accept order. */
  sockets: Socket[];
  /** Resolves once `count` requests have arrived. */
  arrived(count: number): Promise<void>;
}

const netServers: NetServer[] = [];
const httpServers: HttpServer[] = [];
const pools: Http1Pool[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const pool of pools.splice(0)) pool.close();
  for (const client of clients.splice(0)) client.close();
  await Promise.all([
    ...netServers.splice(0).map(async (server) => {
      const closed = once(server, 'close');
      server.close();
      await closed;
    }),
    ...httpServers.splice(0).map(async (server) => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    }),
  ]);
});

/** A TCP server that reads HTTP/1.1 requests (head + Content-Length body) and lets the test answer byte by byte. */
async function rawServer(onRequest: (socket: Socket, request: RawRequest) => void): Promise<RawServer> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const state: RawServer = {
    port: 0,
    url: '',
    requests: [],
    sockets: [],
    arrived: (count) =>
      state.requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
  const server = createNetServer((socket) => {
    const connection = state.sockets.length;
    state.sockets.push(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let onConnection = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const head = buffered.toString('latin1', 0, headEnd);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        const body = buffered.toString('utf8', headEnd + 4, headEnd + 4 + length);
        buffered = buffered.subarray(headEnd + 4 + length);
        const request = { head, body, connection, onConnection };
        onConnection += 1;
        state.requests.push(request);
        onRequest(socket, request);
        for (const waiter of waiters.filter((entry) => entry.count <= state.requests.length)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  });
  netServers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}/v1`;
  return state;
}

/** A node:http server that counts its connections. */
async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ port: number; url: string; server: HttpServer; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  httpServers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}/v1`, server, connections };
}

function answer(res: ServerResponse, body = COMPLETION, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function pool(port: number, options: Partial<Http1PoolOptions> = {}): Http1Pool {
  const created = createHttp1Pool({
    host: '127.0.0.1',
    port,
    hostHeader: `127.0.0.1:${port}`,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    maxSockets: 4,
    idleTimeoutMs: 4000,
    timeoutMs: 5000,
    maxBodyBytes: 1024 * 1024,
    ...options,
  });
  pools.push(created);
  return created;
}

function post(target: Http1Pool, body = '{}', signal?: AbortSignal): Promise<Http1Outcome> {
  return new Promise((resolve) => target.post(body, performance.now(), signal, resolve));
}

function response(outcome: Http1Outcome): Http1Response {
  if (outcome.type !== 'response') throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function client(url: string, timeoutMs = 5000): ChatClient {
  const created = createChatClient({ baseUrl: url, model: 'm', apiKey: KEY, timeoutMs, maxSockets: 2 });
  clients.push(created);
  return created;
}

async function ask(chat: ChatClient): Promise<AttemptResult> {
  const result = await chat.complete({ messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
  expect(JSON.stringify(result)).not.toContain(KEY);
  return result;
}

function failed(result: AttemptResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

/** Writes `parts` one at a time, each read by the client before the next is sent (same process, one loop turn). */
async function writeApart(socket: Socket, parts: readonly (string | Buffer)[]): Promise<void> {
  for (const part of parts) {
    await new Promise<void>((resolve) => socket.write(part, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function closedOnServer(socket: Socket | undefined): Promise<unknown> {
  if (socket === undefined) throw new Error('no such server socket');
  return socket.closed ? Promise.resolve() : once(socket, 'close');
}

describe('createHttp1Pool', () => {
  describe('requests', () => {
    it('writes each request once: request line, Host with port, headers and the UTF-8 body', async () => {
      const srv = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`));
      const write = vi.spyOn(Socket.prototype, 'write');
      const body = '{"content":"é € 😀"}';
      expect(response(await post(pool(srv.port), body)).body).toBe('ok');
      // Writes of the client's socket (the server's own writes go through the same method).
      const clientWrites = write.mock.contexts.filter((socket) => (socket as Socket).remotePort === srv.port);
      expect(clientWrites).toHaveLength(1);
      const [request] = srv.requests;
      expect(request?.head.split('\r\n')).toEqual([
        'POST /v1/chat/completions HTTP/1.1',
        `Host: 127.0.0.1:${srv.port}`,
        'content-type: application/json',
        `authorization: Bearer ${KEY}`,
        'Connection: keep-alive',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ]);
      expect(request?.body).toBe(body);
    });

    it('sends a header value outside ASCII as latin1, as node:http does, and the body as UTF-8', async () => {
      const srv = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      const target = pool(srv.port, { headers: { 'x-team': 'café' } });
      expect(response(await post(target, '"café"')).body).toBe('ok');
      expect(srv.requests[0]?.head).toContain('\r\nx-team: café\r\n');
      expect(srv.requests[0]?.body).toBe('"café"');
    });

    it('sends the headers the chat client sets, to a node:http server', async () => {
      let seen: IncomingMessage['headers'] = {};
      const srv = await httpServer((req, res) => {
        seen = req.headers;
        answer(res);
      });
      expect(await ask(client(srv.url))).toMatchObject({ ok: true, content: 'ANSWER: 4' });
      expect(seen).toMatchObject({
        host: `127.0.0.1:${srv.port}`,
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${KEY}`,
        connection: 'keep-alive',
      });
      expect(Number(seen['content-length'])).toBeGreaterThan(0);
    });

    it.each(['http', 'https'])(
      'refuses a header value HTTP cannot carry, without echoing it (%s)',
      (scheme) => {
        let caught: unknown;
        try {
          createChatClient({
            baseUrl: `${scheme}://127.0.0.1:1/v1`,
            model: 'm',
            apiKey: `${KEY}\n`,
            timeoutMs: 1000,
            maxSockets: 1,
          });
        } catch (error) {
          caught = error;
        }
        expect(caught).toMatchObject({ code: 'E_USAGE' });
        expect((caught as Error).message).not.toContain(KEY);
      },
    );
  });

  describe('connections', () => {
    it('reuses one connection for requests in sequence', async () => {
      const srv = await httpServer((_req, res) => answer(res));
      const target = pool(srv.port, { maxSockets: 4 });
      for (let i = 0; i < 5; i++) expect(response(await post(target)).statusCode).toBe(200);
      expect(srv.connections).toHaveLength(1);
    });

    it('opens at most maxSockets connections and queues the other requests', async () => {
      // Requests are held until three are waiting: a fourth connection would have to carry a fourth one.
      const held: ServerResponse[] = [];
      let mostHeld = 0;
      const srv = await httpServer((_req, res) => {
        held.push(res);
        mostHeld = Math.max(mostHeld, held.length);
        if (held.length === 3) for (const waiting of held.splice(0)) answer(waiting);
      });
      const target = pool(srv.port, { maxSockets: 3 });
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => post(target)));
      expect(outcomes.map((outcome) => response(outcome).body)).toEqual(Array(12).fill(COMPLETION));
      expect(srv.connections).toHaveLength(3);
      expect(mostHeld).toBe(3);
    });

    it('takes the connection that went idle last (LIFO)', async () => {
      const waiting: { port: number; res: ServerResponse }[] = [];
      let waitingFor = 0;
      let arrived: () => void = () => undefined;
      const arrival = (count: number): Promise<void> =>
        new Promise<void>((resolve) => {
          waitingFor = count;
          arrived = resolve;
        });
      const srv = await httpServer((req, res) => {
        waiting.push({ port: req.socket.remotePort ?? 0, res });
        if (waiting.length === waitingFor) arrived();
      });
      const target = pool(srv.port, { maxSockets: 2 });
      const both = arrival(2);
      const first = post(target);
      const second = post(target);
      await both;
      const [early, late] = waiting.splice(0);
      answer(early!.res);
      await Promise.race([first, second]);
      answer(late!.res);
      await Promise.all([first, second]);
      const next = arrival(1);
      const third = post(target);
      await next;
      expect(waiting[0]?.port).toBe(late!.port);
      answer(waiting[0]!.res);
      expect(response(await third).statusCode).toBe(200);
      expect(srv.connections).toHaveLength(2);
    });

    it('closes a connection that stays idle for idleTimeoutMs', async () => {
      const srv = await httpServer((_req, res) => answer(res));
      srv.server.keepAliveTimeout = 60_000;
      const target = pool(srv.port, { idleTimeoutMs: 30 });
      expect(response(await post(target)).statusCode).toBe(200);
      await closedOnServer(srv.connections[0]);
      expect(response(await post(target)).statusCode).toBe(200);
      expect(srv.connections).toHaveLength(2);
    });

    it('drops an idle connection the server ends, and answers the next request on a new one', async () => {
      const srv = await httpServer((_req, res) => answer(res));
      srv.server.keepAliveTimeout = 20;
      const target = pool(srv.port);
      expect(response(await post(target)).statusCode).toBe(200);
      await closedOnServer(srv.connections[0]);
      expect(response(await post(target)).statusCode).toBe(200);
      expect(srv.connections).toHaveLength(2);
    });

    it('drops an idle connection the server resets, and answers the next request on a new one', async () => {
      const srv = await rawServer((socket, request) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', () => {
          if (request.connection === 0) socket.resetAndDestroy();
        });
      });
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('ok');
      await closedOnServer(srv.sockets[0]);
      expect(response(await post(target)).body).toBe('ok');
      expect(srv.sockets).toHaveLength(2);
    });
  });

  describe('response framing', () => {
    it('reads a chunked body with chunk extensions and trailers, and keeps the connection', async () => {
      const srv = await rawServer((socket) =>
        socket.write(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
            '5;name=value\r\nhello\r\n1 ; x="y"\r\n,\r\n6\r\n world\r\n0;end\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
        ),
      );
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('hello, world');
      expect(response(await post(target)).body).toBe('hello, world');
      expect(srv.sockets).toHaveLength(1);
    });

    it('reads a body delimited by the connection closing, and does not reuse that connection', async () => {
      const srv = await rawServer((socket) =>
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close'),
      );
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('until close');
      expect(response(await post(target)).body).toBe('until close');
      expect(srv.sockets).toHaveLength(2);
    });

    it('does not reuse a connection after Connection: close', async () => {
      const srv = await rawServer((socket) =>
        socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
      );
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('ok');
      expect(response(await post(target)).body).toBe('ok');
      expect(srv.sockets).toHaveLength(2);
      await closedOnServer(srv.sockets[0]);
    });

    it('skips 1xx interim responses', async () => {
      const srv = await rawServer((socket) =>
        socket.write(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
            'HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone',
        ),
      );
      const target = pool(srv.port);
      const final = response(await post(target));
      expect([final.statusCode, final.statusMessage, final.body]).toEqual([201, 'Created', 'done']);
      expect(response(await post(target)).statusCode).toBe(201);
      expect(srv.sockets).toHaveLength(1);
    });

    it('closes an HTTP/1.0 connection unless the response says keep-alive', async () => {
      const plain = await rawServer((socket) =>
        socket.write('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'),
      );
      const plainPool = pool(plain.port);
      expect(response(await post(plainPool)).body).toBe('ok');
      expect(response(await post(plainPool)).body).toBe('ok');
      expect(plain.sockets).toHaveLength(2);

      const kept = await rawServer((socket) =>
        socket.write('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok'),
      );
      const keptPool = pool(kept.port);
      expect(response(await post(keptPool)).body).toBe('ok');
      expect(response(await post(keptPool)).body).toBe('ok');
      expect(kept.sockets).toHaveLength(1);
    });

    it('reads a head split across reads byte by byte, with header names in any case', async () => {
      const head =
        'HTTP/1.1 429 Too Many Requests\r\nCONTENT-length: 4\r\nRetry-After-Ms: 1500\r\n' +
        'x-folded: one\r\n two\r\n\r\n';
      const srv = await rawServer((socket) => void writeApart(socket, [...head.split(''), 'bu', 'sy']));
      const got = response(await post(pool(srv.port)));
      expect([got.statusCode, got.statusMessage, got.body]).toEqual([429, 'Too Many Requests', 'busy']);
      expect(got.header('retry-after-ms')).toBe('1500');
      expect(got.header('Content-Length')).toBe('4');
      expect(got.header('X-Folded')).toBe('one two');
      expect(got.header('location')).toBeUndefined();
    });

    it('accepts bare LF line ends', async () => {
      const srv = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'));
      expect(response(await post(pool(srv.port))).body).toBe('ok');
    });

    it('decodes a multi-byte character split across reads, in a sized and in a chunked body', async () => {
      const text = 'prix: 5 € 😀';
      const bytes = Buffer.from(text);
      const euro = bytes.indexOf(Buffer.from('€'));
      const emoji = bytes.indexOf(Buffer.from('😀'));
      const parts = [
        bytes.subarray(0, euro + 1),
        bytes.subarray(euro + 1, emoji + 2),
        bytes.subarray(emoji + 2),
      ];
      const srv = await rawServer((socket, request) => {
        if (request.onConnection === 0) {
          void writeApart(socket, [`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n\r\n`, ...parts]);
        } else {
          void writeApart(socket, [
            'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
            ...parts.flatMap((part) => [`${part.length.toString(16)}\r\n`, part, '\r\n']),
            '0\r\n\r\n',
          ]);
        }
      });
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe(text);
      expect(response(await post(target)).body).toBe(text);
    });

    it('reads a 204 without a body', async () => {
      const srv = await rawServer((socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
      const target = pool(srv.port);
      expect(response(await post(target))).toMatchObject({ statusCode: 204, body: '' });
      expect(response(await post(target))).toMatchObject({ statusCode: 204, body: '' });
      expect(srv.sockets).toHaveLength(1);
    });
  });

  describe('malformed and oversized responses', () => {
    it.each([
      ['a bad status line', 'HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', /invalid status line/],
      ['a bad header line', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok', /invalid header line/],
      [
        'a bad chunk size',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
        /chunk size/,
      ],
      [
        'chunk data longer than its size',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nok\r\n0\r\n\r\n',
        /chunk/,
      ],
      ['an invalid Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok', /Content-Length/],
      [
        'Content-Lengths that disagree',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
        /Content-Length/,
      ],
      [
        'more bytes than its Content-Length',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokay',
        /after the end/,
      ],
      ['a 101', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n', /101/],
    ])('fails on %s and closes the connection', async (_name, reply, problem) => {
      const srv = await rawServer((socket) => socket.write(reply));
      const outcome = await post(pool(srv.port));
      expect(outcome.type).toBe('malformed');
      expect(outcome.type === 'malformed' && outcome.problem).toMatch(problem);
      await closedOnServer(srv.sockets[0]);
    });

    it('reports a malformed response as retryable, naming the endpoint', async () => {
      const srv = await rawServer((socket) => socket.write('garbage\r\n\r\n'));
      const result = failed(await ask(client(srv.url)));
      expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
      expect(result.message).toContain(srv.url);
    });

    it('fails a head over the limit, and closes the connection', async () => {
      const srv = await rawServer((socket) =>
        socket.write(
          `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 2\r\n\r\nok`,
        ),
      );
      const result = failed(await ask(client(srv.url)));
      expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
      expect(result.message).toContain(String(MAX_HEAD_BYTES));
      await closedOnServer(srv.sockets[0]);
    });

    it.each([
      ['a Content-Length', `HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n${'a'.repeat(101)}`],
      [
        'a chunked body',
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${`40\r\n${'a'.repeat(64)}\r\n`.repeat(2)}0\r\n\r\n`,
      ],
      ['a body until close', `HTTP/1.1 200 OK\r\n\r\n${'a'.repeat(101)}`],
    ])('fails a body over maxBodyBytes sized by %s, and closes the connection', async (_name, reply) => {
      const srv = await rawServer((socket) => socket.write(reply));
      expect(await post(pool(srv.port, { maxBodyBytes: 100 }))).toEqual({
        type: 'too-large',
        part: 'body',
        limitBytes: 100,
      });
      await closedOnServer(srv.sockets[0]);
    });
  });

  describe('failures', () => {
    it('reports a body cut off before its Content-Length or its last chunk as truncated', async () => {
      const srv = await rawServer((socket, request) => {
        socket.end(
          request.connection === 0
            ? 'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"choices":'
            : 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{"choices":\r\n',
        );
      });
      const target = pool(srv.port);
      expect(await post(target)).toMatchObject({ type: 'truncated' });
      expect(await post(target)).toMatchObject({ type: 'truncated' });
      const result = failed(await ask(client(srv.url)));
      expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
      expect(result.message).toContain('cut off');
    });

    it('reports a refused connection as a network error', async () => {
      const srv = await rawServer(() => undefined);
      netServers.pop()?.close();
      expect(await post(pool(srv.port))).toMatchObject({ type: 'network', error: { code: 'ECONNREFUSED' } });
      const result = failed(await ask(client(srv.url)));
      expect(result).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
      expect(result.message).toContain('is the model server running');
    });

    it('reports a new connection closed before any response, without sending again', async () => {
      const srv = await rawServer((socket) => socket.end());
      expect(await post(pool(srv.port))).toMatchObject({ type: 'network', error: { code: 'ECONNRESET' } });
      expect(srv.requests).toHaveLength(1);
    });
  });

  describe('sending again on a stale connection', () => {
    it.each([
      ['resets', (socket: Socket) => socket.resetAndDestroy()],
      ['closes', (socket: Socket) => socket.end()],
    ])('sends once more on a new connection when a reused one %s before answering', async (_name, close) => {
      const srv = await rawServer((socket, request) => {
        if (request.connection === 0 && request.onConnection === 1) close(socket);
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
      const target = pool(srv.port);
      expect(response(await post(target, '{"n":1}')).body).toBe('ok');
      expect(response(await post(target, '{"n":2}')).body).toBe('ok');
      expect(srv.sockets).toHaveLength(2);
      expect(srv.requests.map((request) => [request.connection, request.body])).toEqual([
        [0, '{"n":1}'],
        [0, '{"n":2}'],
        [1, '{"n":2}'],
      ]);
    });

    it('sends again only once', async () => {
      const srv = await rawServer((socket, request) => {
        if (request.connection === 0 && request.onConnection === 0) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        } else {
          socket.resetAndDestroy();
        }
      });
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('ok');
      expect(await post(target)).toMatchObject({ type: 'network', error: { code: 'ECONNRESET' } });
      expect(srv.requests).toHaveLength(3);
      expect(srv.sockets).toHaveLength(2);
    });

    it.each([
      ['part of the head', 'HTTP/1.1 200 OK\r\n', 'network'],
      ['the head and part of the body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok', 'truncated'],
    ])('does not send again after %s arrived', async (_name, partial, type) => {
      const srv = await rawServer((socket, request) => {
        if (request.onConnection === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.write(partial, () => setTimeout(() => socket.resetAndDestroy(), 5));
      });
      const target = pool(srv.port);
      expect(response(await post(target)).body).toBe('ok');
      expect(await post(target)).toMatchObject({ type });
      expect(srv.requests).toHaveLength(2);
      expect(srv.sockets).toHaveLength(1);
    });
  });

  describe('timeouts', () => {
    // Fake clocks make the deadline exact: the pool's timers and performance.now() move only when told to.
    function useFakeClock(): void {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    }

    function track(outcome: Promise<Http1Outcome>): { settled: Http1Outcome | undefined } {
      const state: { settled: Http1Outcome | undefined } = { settled: undefined };
      void outcome.then((value) => (state.settled = value));
      return state;
    }

    async function advance(ms: number): Promise<void> {
      await vi.advanceTimersByTimeAsync(ms);
    }

    it('fails a request at its deadline, not before, and closes its connection', async () => {
      const srv = await rawServer(() => undefined);
      useFakeClock();
      const target = pool(srv.port, { timeoutMs: 1000 });
      const pending = track(post(target));
      await srv.arrived(1);
      await advance(999);
      expect(pending.settled).toBeUndefined();
      await advance(1);
      expect(pending.settled).toEqual({ type: 'timeout' });
      vi.useRealTimers();
      await closedOnServer(srv.sockets[0]);
    });

    it('keeps each deadline when requests start at different times or finish early', async () => {
      const srv = await rawServer((socket, request) => {
        if (request.body === '"quick"') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
      useFakeClock();
      const target = pool(srv.port, { timeoutMs: 1000, maxSockets: 8 });
      expect(response(await post(target, '"quick"')).body).toBe('ok');
      await advance(300);
      const first = track(post(target));
      await advance(400);
      const second = track(post(target));
      await srv.arrived(3);
      // The timer armed for the quick request (at 1000) finds no expired request and re-arms for 1300.
      await advance(599);
      expect([first.settled, second.settled]).toEqual([undefined, undefined]);
      await advance(1);
      expect([first.settled, second.settled]).toEqual([{ type: 'timeout' }, undefined]);
      await advance(399);
      expect(second.settled).toBeUndefined();
      await advance(1);
      expect(second.settled).toEqual({ type: 'timeout' });
    });

    it('times out a queued request that was never sent', async () => {
      const srv = await rawServer(() => undefined);
      useFakeClock();
      const target = pool(srv.port, { timeoutMs: 1000, maxSockets: 1 });
      const sent = track(post(target));
      const queued = track(post(target));
      await srv.arrived(1);
      await advance(1000);
      expect([sent.settled, queued.settled]).toEqual([{ type: 'timeout' }, { type: 'timeout' }]);
      expect(srv.requests).toHaveLength(1);
    });

    it('gives the chat client an E_TIMEOUT no earlier than timeoutMs', async () => {
      const srv = await rawServer(() => undefined);
      const result = failed(await ask(client(srv.url, 150)));
      expect(result).toMatchObject({ kind: 'retryable', code: 'E_TIMEOUT' });
      expect(result.latencyMs).toBeGreaterThanOrEqual(150);
      await closedOnServer(srv.sockets[0]);
    });
  });

  describe('abort and close', () => {
    it('aborts a request in flight and closes its connection', async () => {
      const srv = await rawServer(() => undefined);
      const controller = new AbortController();
      const pending = post(pool(srv.port), '{}', controller.signal);
      await srv.arrived(1);
      controller.abort();
      expect(await pending).toEqual({ type: 'aborted' });
      await closedOnServer(srv.sockets[0]);
    });

    it('aborts a queued request without sending it', async () => {
      const srv = await rawServer(() => undefined);
      const target = pool(srv.port, { maxSockets: 1 });
      const controller = new AbortController();
      void post(target);
      const queued = post(target, '{}', controller.signal);
      await srv.arrived(1);
      controller.abort();
      expect(await queued).toEqual({ type: 'aborted' });
      expect(srv.requests).toHaveLength(1);
    });

    it('stops listening to the signal once a request is done', async () => {
      const srv = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      const controller = new AbortController();
      expect(response(await post(pool(srv.port), '{}', controller.signal)).body).toBe('ok');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('close() fails requests in flight as reset and queued or later ones as closed', async () => {
      const srv = await rawServer(() => undefined);
      const target = pool(srv.port, { maxSockets: 1 });
      const inFlight = post(target);
      const queued = post(target);
      await srv.arrived(1);
      target.close();
      expect(await inFlight).toMatchObject({ type: 'network', error: { code: 'ECONNRESET' } });
      expect(await queued).toEqual({ type: 'closed' });
      expect(await post(target)).toEqual({ type: 'closed' });
      await closedOnServer(srv.sockets[0]);
      expect(srv.requests).toHaveLength(1);
    });

    it('the chat client fails a request queued at close() as fatal', async () => {
      const srv = await rawServer(() => undefined);
      const chat = createChatClient({ baseUrl: srv.url, model: 'm', timeoutMs: 5000, maxSockets: 1 });
      const inFlight = ask(chat);
      const queued = ask(chat);
      await srv.arrived(1);
      chat.close();
      expect(failed(await inFlight)).toMatchObject({ kind: 'retryable', code: 'E_ENDPOINT' });
      expect(failed(await queued)).toMatchObject({ kind: 'fatal', code: 'E_ENDPOINT' });
    });
  });

  describe('status and headers for the chat client', () => {
    it('reads Retry-After-Ms and Location whatever their case', async () => {
      const srv = await rawServer((socket, request) => {
        const body = '{"error":{"message":"slow down"}}';
        socket.write(
          request.onConnection === 0
            ? `HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER-MS: 1500\r\nContent-Length: ${body.length}\r\n\r\n${body}`
            : 'HTTP/1.1 307 Temporary Redirect\r\nLOCATION: /v2\r\nContent-Length: 0\r\n\r\n',
        );
      });
      const chat = client(srv.url);
      const limited = failed(await ask(chat));
      expect(limited).toMatchObject({
        kind: 'retryable',
        status: 429,
        rateLimited: true,
        retryAfterMs: 1500,
      });
      expect(limited.message).toContain('slow down');
      const moved = failed(await ask(chat));
      expect(moved).toMatchObject({ kind: 'fatal', status: 307 });
      expect(moved.message).toContain(`http://127.0.0.1:${srv.port}/v2`);
    });
  });
});
