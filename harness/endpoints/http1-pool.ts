/**
 * A lean HTTP/1.1 keep-alive client for one origin and one path, written on node:net sockets: it POSTs a body and
 * hands back the status, the headers and the body decoded as UTF-8. It replaces node:http's ClientRequest,
 * IncomingMessage and Agent on the chat client's plain-http hot path, where their streams and events cost more
 * CPU per request than the rest of a unit.
 *
 * Design, all on the thread that created the pool:
 * - Connections: at most `maxSockets`. An idle connection goes on a stack and the most recently used one is taken
 *   first (LIFO), so the least used ones stay idle long enough to expire; when every connection is busy, requests
 *   wait in a FIFO queue. Idle sockets are unref'd (like node:http's Agent) so they never keep a process alive.
 * - A request is one write of one string: request line, headers, body. There is no pipelining: a connection
 *   carries one exchange at a time.
 * - Responses are parsed incrementally from the socket's Buffers: 1xx interim responses are skipped; the body is
 *   framed by Content-Length, chunked coding (extensions and trailers are read and dropped) or the connection's
 *   close; HTTP/1.0 and `Connection: close` responses end the connection. Body Buffers are collected and decoded
 *   once, so a multi-byte character split across reads decodes correctly.
 * - Timers: two per pool, not one per request. Every request of a pool has the same timeout, so deadlines come in
 *   the order requests start: they sit in a linked list ordered by deadline and one timer is armed for its head.
 *   The timer is re-armed lazily when it fires, not when a request finishes. Idle connections are stacked in the
 *   order they went idle, so the bottom of the stack expires first and a second timer is armed for it.
 * - A request written on a reused connection that the server had closed meanwhile (reset, EPIPE or close before
 *   any response byte) is sent again once on a new connection, as browsers do; once a response byte has arrived
 *   it never is.
 * - Every failure is an outcome passed to the callback, never an exception; malformed responses end the
 *   connection.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { RedlineError } from '../../src/errors.js';

/** Where and how the pool sends its requests. */
export interface Http1PoolOptions {
  /** Host to connect to: a name or an IP address (IPv6 without brackets). */
  host: string;
  /** TCP port to connect to. */
  port: number;
  /** The Host header, e.g. `127.0.0.1:8000` (the port omitted when it is the scheme's default). */
  hostHeader: string;
  /** The request target of every request, e.g. `/v1/chat/completions`. */
  path: string;
  /** Headers sent with every request besides Host, Content-Length and Connection (name -> value). */
  headers: Readonly<Record<string, string>>;
  /** Most connections open at once. */
  maxSockets: number;
  /** An idle connection is closed after this long. */
  idleTimeoutMs: number;
  /** Deadline of a request, from its start to its complete body (queueing included). */
  timeoutMs: number;
  /** A response body larger than this fails as too large. */
  maxBodyBytes: number;
}

/** The status line and headers of a response. */
export interface ResponseHead {
  readonly statusCode: number;
  /** The reason phrase as sent ('' when absent). */
  readonly statusMessage: string;
  /** The first value of a header, by case-insensitive name; undefined when absent. */
  header(name: string): string | undefined;
}

/** A complete response. */
export interface Http1Response extends ResponseHead {
  readonly type: 'response';
  /** The body decoded as UTF-8. */
  readonly body: string;
}

/** Why a request got no complete response. */
export type Http1Failure =
  /** The connection failed before the response head was complete (refused, reset, closed). */
  | { readonly type: 'network'; readonly error: NodeJS.ErrnoException }
  /** The connection ended after the head, before the end of the body. */
  | { readonly type: 'truncated'; readonly error: NodeJS.ErrnoException | undefined }
  /** The response broke HTTP/1.1 framing; `problem` says how. */
  | { readonly type: 'malformed'; readonly problem: string }
  /** The head (or chunked trailers) or the body exceeded `limitBytes`. */
  | { readonly type: 'too-large'; readonly part: 'head' | 'body'; readonly limitBytes: number }
  /** No complete response within `timeoutMs`. */
  | { readonly type: 'timeout' }
  /** The caller's signal aborted the request. */
  | { readonly type: 'aborted' }
  /** The pool was closed before the request was sent. */
  | { readonly type: 'closed' };

/** What a request ends with. */
export type Http1Outcome = Http1Response | Http1Failure;

/** A keep-alive connection pool to one origin. */
export interface Http1Pool {
  /**
   * POSTs `body`; calls `onDone` exactly once, never from within post().
   * `startedMs` (performance.now()) starts the deadline.
   */
  post(
    body: string,
    startedMs: number,
    signal: AbortSignal | undefined,
    onDone: (outcome: Http1Outcome) => void,
  ): void;
  /** Destroys every connection: requests in flight fail as reset, queued and later ones as closed. */
  close(): void;
}

/** Limit of a response head, of one chunk-size or trailer line, and of the trailers. */
export const MAX_HEAD_BYTES = 64 * 1024;

// RFC 9110 field-value characters (node:http's check): no CR, LF, NUL or other controls.
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: (.*))?$/;
const CLOSE_TOKEN = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
const KEEP_ALIVE_TOKEN = /(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/i;
const CHUNKED_LAST = /(?:^|,)[ \t]*chunked[ \t]*$/i;
// setTimeout's longest delay; a later deadline is reached by re-arming.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
// Errors of a write on a connection the server closed while it sat idle.
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TIMEOUT: Http1Failure = { type: 'timeout' };
const ABORTED: Http1Failure = { type: 'aborted' };
const CLOSED: Http1Failure = { type: 'closed' };

/**
 * Creates a pool; throws E_USAGE when a header value cannot be sent (a control character, e.g. a trailing newline).
 *
 * @example
 * const pool = createHttp1Pool({ host: '127.0.0.1', port: 8000, hostHeader: '127.0.0.1:8000',
 *   path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, maxSockets: 8,
 *   idleTimeoutMs: 4000, timeoutMs: 60_000, maxBodyBytes: 1 << 24 });
 * pool.post('{"model":"m"}', performance.now(), undefined, (outcome) => console.log(outcome.type));
 */
export function createHttp1Pool(options: Http1PoolOptions): Http1Pool {
  checkHeaderValues(options.headers);
  let head = `POST ${options.path} HTTP/1.1\r\nHost: ${options.hostHeader}\r\n`;
  for (const [name, value] of Object.entries(options.headers)) head += `${name}: ${value}\r\n`;
  return new Pool(options, `${head}Connection: keep-alive\r\nContent-Length: `);
}

/**
 * Throws E_USAGE when a header value cannot be sent (a control character, e.g. a trailing newline), without
 * showing the value: it is usually a credential.
 */
export function checkHeaderValues(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (INVALID_HEADER_VALUE.test(value)) {
      throw new RedlineError(
        'E_USAGE',
        `${name} header: contains a character HTTP does not allow (a control character such as a trailing newline); check where the value comes from`,
      );
    }
  }
}

/** One request, from post() to its outcome; also the abort listener of its signal. */
class PendingRequest {
  readonly pool: Pool;
  readonly payload: string | Buffer;
  readonly deadlineMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onDone: (outcome: Http1Outcome) => void;
  isDone = false;
  connection: Connection | undefined = undefined;
  /**
   * Written on a connection that had served an earlier request (so it may have been closed by the server). A
   * request sent again goes on a new connection, so it is never sent a third time.
   */
  isOnReusedConnection = false;
  // Neighbours in the pool's deadline list.
  previous: PendingRequest | undefined = undefined;
  next: PendingRequest | undefined = undefined;

  constructor(
    pool: Pool,
    payload: string | Buffer,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    onDone: (outcome: Http1Outcome) => void,
  ) {
    this.pool = pool;
    this.payload = payload;
    this.deadlineMs = deadlineMs;
    this.signal = signal;
    this.onDone = onDone;
  }

  /** The signal's abort event (an EventListener object: no closure per request). */
  handleEvent(): void {
    this.pool.fail(this, ABORTED);
  }
}

class Pool implements Http1Pool {
  readonly options: Http1PoolOptions;
  /** Request line and headers up to the Content-Length value. */
  readonly headPrefix: string;
  readonly isAsciiPrefix: boolean;
  readonly connections = new Set<Connection>();
  /** Idle connections, oldest idle at index 0; reuse pops the newest. */
  readonly idle: Connection[] = [];
  readonly queue: PendingRequest[] = [];
  // Unsettled requests ordered by deadline.
  firstPending: PendingRequest | undefined = undefined;
  lastPending: PendingRequest | undefined = undefined;
  deadlineTimer: NodeJS.Timeout | undefined = undefined;
  deadlineTimerAtMs = 0;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  isClosed = false;

  constructor(options: Http1PoolOptions, headPrefix: string) {
    this.options = options;
    this.headPrefix = headPrefix;
    // Header values are checked to be \t, printable ASCII or \x80-\xff; the path and host are ASCII.
    this.isAsciiPrefix = !/[\x80-\xff]/.test(headPrefix);
  }

  post(
    body: string,
    startedMs: number,
    signal: AbortSignal | undefined,
    onDone: (outcome: Http1Outcome) => void,
  ): void {
    if (this.isClosed || signal?.aborted === true) {
      const outcome = this.isClosed ? CLOSED : ABORTED;
      process.nextTick(onDone, outcome);
      return;
    }
    const length = Buffer.byteLength(body);
    // One string, so one write; header values outside ASCII are sent as latin1 like node:http does.
    const payload = this.isAsciiPrefix
      ? `${this.headPrefix}${length}\r\n\r\n${body}`
      : Buffer.concat([Buffer.from(`${this.headPrefix}${length}\r\n\r\n`, 'latin1'), Buffer.from(body)]);
    const request = new PendingRequest(this, payload, startedMs + this.options.timeoutMs, signal, onDone);
    this.addPending(request);
    signal?.addEventListener('abort', request);
    let connection = this.idle.pop();
    while (connection !== undefined && connection.socket.destroyed) {
      this.retire(connection);
      connection = this.idle.pop();
    }
    if (connection !== undefined) {
      connection.socket.ref();
      connection.send(request);
    } else if (this.connections.size < this.options.maxSockets) {
      this.open(request);
    } else {
      this.queue.push(request);
    }
  }

  close(): void {
    this.isClosed = true;
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.idleTimer);
    for (const connection of [...this.connections]) {
      const request = connection.request;
      this.retire(connection);
      connection.socket.destroy();
      if (request !== undefined) this.finish(request, { type: 'network', error: hangUp() });
    }
    for (const request of this.queue.splice(0)) this.finish(request, CLOSED);
  }

  /** Opens a connection for `request`. */
  open(request: PendingRequest): void {
    const socket = connect({
      host: this.options.host,
      port: this.options.port,
      noDelay: true,
      // TCP keep-alive probes as node:http's keep-alive Agent sends them (after 1 s of silence).
      keepAlive: true,
      keepAliveInitialDelay: 1000,
    });
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    connection.send(request);
  }

  /** A response is complete: hand the connection to the next request (or the idle stack), then the outcome over. */
  respond(connection: Connection, response: ParsedResponse, isReusable: boolean): void {
    const request = connection.request;
    connection.request = undefined;
    if (isReusable) this.release(connection);
    else this.drop(connection);
    if (request !== undefined) this.finish(request, response);
  }

  /** Ends `request` with `failure`, destroying its connection if it has one (or taking it off the queue). */
  fail(request: PendingRequest, failure: Http1Failure): void {
    if (request.isDone) return;
    const connection = request.connection;
    if (connection !== undefined) {
      connection.request = undefined;
      this.drop(connection);
    } else {
      const index = this.queue.indexOf(request);
      if (index !== -1) this.queue.splice(index, 1);
    }
    this.finish(request, failure);
  }

  /** Sends `request` again on a new connection, after its reused one turned out to be closed. */
  resend(connection: Connection, request: PendingRequest): void {
    connection.request = undefined;
    this.retire(connection);
    connection.socket.destroy();
    this.open(request);
  }

  /** Destroys a connection and lets a queued request have its slot. */
  drop(connection: Connection): void {
    this.retire(connection);
    connection.socket.destroy();
    this.dispatch();
  }

  /** Forgets a connection (idempotent); the caller destroys the socket if needed and dispatches. */
  retire(connection: Connection): void {
    if (connection.isRetired) return;
    connection.isRetired = true;
    this.connections.delete(connection);
    if (connection.idleSinceMs >= 0) {
      const index = this.idle.indexOf(connection);
      if (index !== -1) this.idle.splice(index, 1);
    }
  }

  /** Opens connections for queued requests while there is room. */
  dispatch(): void {
    while (!this.isClosed && this.queue.length > 0 && this.connections.size < this.options.maxSockets) {
      this.open(this.queue.shift() as PendingRequest);
    }
  }

  /** A connection finished an exchange and may carry another. */
  release(connection: Connection): void {
    const next = this.queue.shift();
    if (next !== undefined) {
      connection.send(next);
      return;
    }
    connection.idleSinceMs = performance.now();
    connection.socket.unref();
    this.idle.push(connection);
    if (this.idleTimer === undefined) this.armIdleTimer(connection.idleSinceMs + this.options.idleTimeoutMs);
  }

  finish(request: PendingRequest, outcome: Http1Outcome): void {
    if (request.isDone) return;
    request.isDone = true;
    request.connection = undefined;
    this.removePending(request);
    request.signal?.removeEventListener('abort', request);
    request.onDone(outcome);
  }

  addPending(request: PendingRequest): void {
    // Deadlines arrive in order (same timeout, increasing start), so this walk stops at once.
    let before = this.lastPending;
    while (before !== undefined && before.deadlineMs > request.deadlineMs) before = before.previous;
    request.previous = before;
    request.next = before === undefined ? this.firstPending : before.next;
    if (request.next === undefined) this.lastPending = request;
    else request.next.previous = request;
    if (before === undefined) this.firstPending = request;
    else before.next = request;
    if (this.deadlineTimer === undefined || request.deadlineMs < this.deadlineTimerAtMs) {
      this.armDeadlineTimer(request.deadlineMs);
    }
  }

  removePending(request: PendingRequest): void {
    const { previous, next } = request;
    if (previous === undefined) this.firstPending = next;
    else previous.next = next;
    if (next === undefined) this.lastPending = previous;
    else next.previous = previous;
    request.previous = undefined;
    request.next = undefined;
  }

  armDeadlineTimer(atMs: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimerAtMs = atMs;
    this.deadlineTimer = setTimeout(this.onDeadlineTimer, timerDelayMs(atMs));
    this.deadlineTimer.unref();
  }

  // Fires at the earliest deadline armed; requests finished since then are already out of the list.
  readonly onDeadlineTimer = (): void => {
    this.deadlineTimer = undefined;
    const nowMs = performance.now();
    while (this.firstPending !== undefined && this.firstPending.deadlineMs <= nowMs) {
      this.fail(this.firstPending, TIMEOUT);
    }
    if (this.firstPending !== undefined && this.deadlineTimer === undefined) {
      this.armDeadlineTimer(this.firstPending.deadlineMs);
    }
  };

  armIdleTimer(atMs: number): void {
    this.idleTimer = setTimeout(this.onIdleTimer, timerDelayMs(atMs));
    this.idleTimer.unref();
  }

  readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    const expiredBeforeMs = performance.now() - this.options.idleTimeoutMs;
    let oldest = this.idle[0];
    while (oldest !== undefined && oldest.idleSinceMs <= expiredBeforeMs) {
      this.retire(oldest);
      oldest.socket.destroy();
      oldest = this.idle[0];
    }
    if (oldest !== undefined) this.armIdleTimer(oldest.idleSinceMs + this.options.idleTimeoutMs);
  };
}

type BodyFraming = 'none' | 'length' | 'chunked' | 'close';
type ChunkedStep = 'size' | 'data' | 'data-end' | 'trailers';

/** A socket and the parser of the response to its current request. */
class Connection {
  readonly pool: Pool;
  readonly socket: Socket;
  request: PendingRequest | undefined = undefined;
  isRetired = false;
  /** When it went idle (performance.now()), -1 while busy. */
  idleSinceMs = -1;
  hasServed = false;
  // Parser state of the current response.
  receivedBytes = 0;
  /** The bytes of a head not yet complete (the buffer grows by doubling), and their count. */
  headBuffer: Buffer | undefined = undefined;
  headLength = 0;
  /** A chunk-size or trailer line not yet complete. */
  pendingLine = '';
  response: ParsedResponse | undefined = undefined;
  framing: BodyFraming = 'none';
  isKeepAlive = false;
  /** Bytes left of the Content-Length body or of the current chunk. */
  remaining = 0;
  step: ChunkedStep = 'size';
  trailerBytes = 0;
  readonly pieces: Buffer[] = [];
  bodyBytes = 0;

  constructor(pool: Pool, socket: Socket) {
    this.pool = pool;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd(undefined));
    socket.on('error', (error: NodeJS.ErrnoException) => this.onEnd(error));
    socket.on('close', () => this.onEnd(undefined));
  }

  send(request: PendingRequest): void {
    this.request = request;
    request.connection = this;
    request.isOnReusedConnection = this.hasServed;
    this.hasServed = true;
    this.idleSinceMs = -1;
    this.receivedBytes = 0;
    this.headBuffer = undefined;
    this.pendingLine = '';
    this.response = undefined;
    this.framing = 'none';
    this.pieces.length = 0;
    this.bodyBytes = 0;
    this.trailerBytes = 0;
    this.socket.write(request.payload);
  }

  /** The server ended the connection, or it failed (end, error and close may all come; the first one counts). */
  onEnd(error: NodeJS.ErrnoException | undefined): void {
    if (this.isRetired) return;
    const request = this.request;
    if (request === undefined) {
      // An idle connection the server closed: forget it, nothing to report.
      this.pool.drop(this);
      return;
    }
    const isStale =
      this.receivedBytes === 0 &&
      request.isOnReusedConnection &&
      (error === undefined || STALE_CONNECTION_CODES.has(error.code ?? ''));
    if (isStale) this.pool.resend(this, request);
    else if (this.response === undefined)
      this.pool.fail(request, { type: 'network', error: error ?? hangUp() });
    else if (this.framing === 'close' && error === undefined) this.complete(this.response, false);
    else this.pool.fail(request, { type: 'truncated', error });
  }

  onData(chunk: Buffer): void {
    if (this.isRetired) return;
    if (this.request === undefined) {
      // Bytes nobody asked for: the connection is out of step.
      this.pool.drop(this);
      return;
    }
    this.receivedBytes += chunk.length;
    let data = chunk;
    let offset = 0;
    if (this.response === undefined) {
      offset = -1;
      let searchFrom = 0;
      const isAppended = this.headBuffer !== undefined;
      if (isAppended) {
        // The blank line ending the head may begin in the bytes kept before.
        searchFrom = Math.max(0, this.headLength - 2);
        data = this.appendHead(chunk);
      }
      let start = 0;
      while (offset === -1) {
        const end = findHeadEnd(data, Math.max(start, searchFrom));
        if (end === -1 || end - start > MAX_HEAD_BYTES) {
          if (end !== -1 || data.length - start > MAX_HEAD_BYTES) {
            this.fail({ type: 'too-large', part: 'head', limitBytes: MAX_HEAD_BYTES });
          } else if (!isAppended || start > 0) {
            this.headBuffer = data.subarray(start);
            this.headLength = this.headBuffer.length;
          }
          return;
        }
        const parsed = parseResponseHead(data.toString('latin1', start, end));
        if (typeof parsed === 'string') {
          this.fail({ type: 'malformed', problem: parsed });
          return;
        }
        // 1xx responses are interim: the final response follows.
        if (parsed.statusCode < 200) {
          if (parsed.statusCode === 101) {
            this.fail({ type: 'malformed', problem: 'unexpected 101 Switching Protocols' });
            return;
          }
          start = end;
          if (start === data.length) return;
          continue;
        }
        if (!this.startBody(parsed)) return;
        offset = end;
      }
      // Body pieces may be views of the head buffer: it is not written again.
      this.headBuffer = undefined;
    }
    this.readBody(data, offset);
  }

  /** Appends a read to the incomplete head; doubling the buffer keeps a head read byte by byte linear. */
  appendHead(chunk: Buffer): Buffer {
    const length = this.headLength + chunk.length;
    let buffer = this.headBuffer as Buffer;
    if (buffer.length < length) {
      const grown = Buffer.allocUnsafe(Math.max(length, 2 * buffer.length, 1024));
      buffer.copy(grown, 0, 0, this.headLength);
      buffer = grown;
      this.headBuffer = grown;
    }
    chunk.copy(buffer, this.headLength);
    this.headLength = length;
    return buffer.subarray(0, length);
  }

  /** Chooses how the body is framed (RFC 9112 section 6.3); false when the head was rejected. */
  startBody(response: ParsedResponse): boolean {
    this.response = response;
    const status = response.statusCode;
    this.isKeepAlive = response.isKeepAlive;
    if (status === 204 || status === 304) {
      this.framing = 'none';
    } else if (response.transferEncoding !== undefined) {
      // Only chunked framing ends before the connection does; a message with both headers closes it afterwards.
      this.framing = CHUNKED_LAST.test(response.transferEncoding) ? 'chunked' : 'close';
      this.step = 'size';
      if (response.contentLength !== undefined || this.framing === 'close') this.isKeepAlive = false;
    } else if (response.contentLength !== undefined) {
      const length = parseContentLength(response.contentLength);
      if (length === undefined) {
        this.fail({ type: 'malformed', problem: `invalid Content-Length ${quote(response.contentLength)}` });
        return false;
      }
      if (length > this.pool.options.maxBodyBytes) {
        this.fail({ type: 'too-large', part: 'body', limitBytes: this.pool.options.maxBodyBytes });
        return false;
      }
      this.framing = length === 0 ? 'none' : 'length';
      this.remaining = length;
    } else {
      this.framing = 'close';
      this.isKeepAlive = false;
    }
    return true;
  }

  readBody(data: Buffer, start: number): void {
    const response = this.response as ParsedResponse;
    let offset = start;
    switch (this.framing) {
      case 'none':
        break;
      case 'close':
        this.addPiece(data, offset, data.length);
        return;
      case 'length': {
        const end = Math.min(data.length, offset + this.remaining);
        if (!this.addPiece(data, offset, end)) return;
        this.remaining -= end - offset;
        offset = end;
        if (this.remaining > 0) return;
        break;
      }
      case 'chunked':
        offset = this.readChunked(data, offset);
        if (offset === -1) return;
        break;
    }
    if (offset < data.length) {
      this.fail({
        type: 'malformed',
        problem: `${data.length - offset} bytes after the end of the body (a wrong Content-Length or chunk size?)`,
      });
      return;
    }
    this.complete(response, this.isKeepAlive);
  }

  /** Reads chunked coding from `offset`; returns where the message ended, or -1 when it has not (or failed). */
  readChunked(data: Buffer, start: number): number {
    let offset = start;
    while (offset < data.length) {
      if (this.step === 'data') {
        const end = Math.min(data.length, offset + this.remaining);
        if (!this.addPiece(data, offset, end)) return -1;
        this.remaining -= end - offset;
        offset = end;
        if (this.remaining === 0) this.step = 'data-end';
        continue;
      }
      const lineEnd = data.indexOf(10, offset);
      const lineBytes = this.pendingLine.length + (lineEnd === -1 ? data.length : lineEnd) - offset;
      if (lineBytes > MAX_HEAD_BYTES || this.trailerBytes + lineBytes > MAX_HEAD_BYTES) {
        this.fail({ type: 'too-large', part: 'head', limitBytes: MAX_HEAD_BYTES });
        return -1;
      }
      if (lineEnd === -1) {
        this.pendingLine += data.toString('latin1', offset);
        return -1;
      }
      let line = this.pendingLine + data.toString('latin1', offset, lineEnd);
      this.pendingLine = '';
      offset = lineEnd + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (this.step === 'size') {
        const size = parseChunkSize(line);
        if (size === -1) {
          this.fail({ type: 'malformed', problem: `invalid chunk size line ${quote(line)}` });
          return -1;
        }
        if (this.bodyBytes + size > this.pool.options.maxBodyBytes) {
          this.fail({ type: 'too-large', part: 'body', limitBytes: this.pool.options.maxBodyBytes });
          return -1;
        }
        this.remaining = size;
        this.step = size === 0 ? 'trailers' : 'data';
      } else if (this.step === 'data-end') {
        if (line !== '') {
          this.fail({ type: 'malformed', problem: 'chunk data longer than its size' });
          return -1;
        }
        this.step = 'size';
      } else if (line === '') {
        return offset;
      } else {
        this.trailerBytes += line.length + 2;
      }
    }
    return -1;
  }

  /** Keeps body bytes [start, end) of `data`; false (and the request failed) past the size limit. */
  addPiece(data: Buffer, start: number, end: number): boolean {
    if (end === start) return true;
    this.bodyBytes += end - start;
    if (this.bodyBytes > this.pool.options.maxBodyBytes) {
      this.fail({ type: 'too-large', part: 'body', limitBytes: this.pool.options.maxBodyBytes });
      return false;
    }
    this.pieces.push(start === 0 && end === data.length ? data : data.subarray(start, end));
    return true;
  }

  complete(response: ParsedResponse, isReusable: boolean): void {
    const { pieces } = this;
    // Decoded once, so a character split across reads is whole.
    response.body =
      pieces.length === 0
        ? ''
        : pieces.length === 1
          ? (pieces[0] as Buffer).toString('utf8')
          : Buffer.concat(pieces, this.bodyBytes).toString('utf8');
    pieces.length = 0;
    this.response = undefined;
    this.pool.respond(this, response, isReusable);
  }

  fail(failure: Http1Failure): void {
    this.pieces.length = 0;
    if (this.request !== undefined) this.pool.fail(this.request, failure);
  }
}

/** A parsed status line and header block; the body is set when complete. */
class ParsedResponse implements Http1Response {
  readonly type = 'response';
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Lower-case names and values, alternating. */
  readonly fields: string[];
  readonly isKeepAlive: boolean;
  readonly contentLength: string | undefined;
  readonly transferEncoding: string | undefined;
  body = '';

  constructor(statusCode: number, statusMessage: string, fields: string[], isHttp11: boolean) {
    this.statusCode = statusCode;
    this.statusMessage = statusMessage;
    this.fields = fields;
    const connection = this.allValues('connection') ?? '';
    this.isKeepAlive = !CLOSE_TOKEN.test(connection) && (isHttp11 || KEEP_ALIVE_TOKEN.test(connection));
    this.contentLength = this.allValues('content-length');
    this.transferEncoding = this.allValues('transfer-encoding');
  }

  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.fields.length; i += 2) {
      if (this.fields[i] === lower) return this.fields[i + 1];
    }
    return undefined;
  }

  /** Every value of a repeated header joined with commas (RFC 9110 section 5.3). */
  allValues(name: string): string | undefined {
    let joined: string | undefined;
    for (let i = 0; i < this.fields.length; i += 2) {
      if (this.fields[i] === name) {
        const value = this.fields[i + 1] as string;
        joined = joined === undefined ? value : `${joined}, ${value}`;
      }
    }
    return joined;
  }
}

/** Milliseconds from now to `atMs` (performance.now() time) as a setTimeout delay: at least 1, at most its limit. */
function timerDelayMs(atMs: number): number {
  return Math.min(MAX_TIMER_DELAY_MS, Math.max(1, Math.ceil(atMs - performance.now())));
}

/** The offset just past the blank line ending a head (CRLF or bare LF line ends), or -1. */
function findHeadEnd(data: Buffer, from: number): number {
  let newline = data.indexOf(10, from);
  while (newline !== -1) {
    const next = data[newline + 1];
    if (next === 10) return newline + 2;
    if (next === 13 && data[newline + 2] === 10) return newline + 3;
    newline = data.indexOf(10, newline + 1);
  }
  return -1;
}

/** A head's status line and fields, or what is wrong with it. */
function parseResponseHead(text: string): ParsedResponse | string {
  let lineEnd = text.indexOf('\n');
  const statusLine = text.slice(0, text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
  const status = STATUS_LINE.exec(statusLine);
  if (status === null) return `invalid status line ${quote(statusLine)}`;
  const fields: string[] = [];
  for (;;) {
    const lineStart = lineEnd + 1;
    lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
    if (line === '') break;
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      // Obsolete line folding: the line continues the previous value (RFC 9112 section 5.2).
      if (fields.length === 0) return `invalid header line ${quote(line)}`;
      fields[fields.length - 1] = `${fields[fields.length - 1] ?? ''} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon < 1 || !HEADER_NAME.test(name)) return `invalid header line ${quote(line)}`;
    fields.push(name.toLowerCase(), line.slice(colon + 1).trim());
  }
  return new ParsedResponse(Number(status[2]), status[3] ?? '', fields, status[1] === '1');
}

/** A Content-Length value (repeated values must agree), or undefined when invalid. */
function parseContentLength(value: string): number | undefined {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  let length: number | undefined;
  for (const part of value.split(',')) {
    const digits = part.trim();
    if (!/^\d{1,15}$/.test(digits)) return undefined;
    const parsed = Number(digits);
    if (length !== undefined && parsed !== length) return undefined;
    length = parsed;
  }
  return length;
}

/** The size of a chunk-size line (hex digits, optional whitespace and extensions), or -1. */
function parseChunkSize(line: string): number {
  let size = 0;
  let index = 0;
  for (; index < line.length; index++) {
    const code = line.charCodeAt(index);
    const digit =
      code >= 48 && code <= 57 ? code - 48 : (code | 32) >= 97 && (code | 32) <= 102 ? (code | 32) - 87 : -1;
    if (digit === -1) break;
    // 12 hex digits are 256 TiB: more is an attack or garbage.
    if (index === 12) return -1;
    size = size * 16 + digit;
  }
  if (index === 0) return -1;
  while (line.charCodeAt(index) === 32 || line.charCodeAt(index) === 9) index++;
  return index === line.length || line.charCodeAt(index) === 59 ? size : -1;
}

/** The error node:http reports for a connection closed before the response. */
function hangUp(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('socket hang up');
  error.code = 'ECONNRESET';
  return error;
}

/** Server bytes in a message: quoted, shortened, control characters escaped by JSON. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}
