/**
 * isPortListening: a LISTEN socket on a port in a process's network namespace, read from /proc/PID/net/tcp{,6}.
 * Checked against servers this test process starts on loopback (port 0, so the kernel picks a free port).
 */
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortListening } from '../../../harness/docker/is-port-listening.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Starts a TCP server on `host`, port 0, and returns the port it got. */
async function listen(host: string): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A port that nothing listens on: one a server had, after it closed. */
async function closedPort(): Promise<number> {
  const port = await listen('127.0.0.1');
  const server = servers.pop()!;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('isPortListening', () => {
  it('is true for a port this process listens on at 127.0.0.1', async () => {
    const port = await listen('127.0.0.1');
    expect(await isPortListening(process.pid, port)).toBe(true);
  });

  it('is true for a port listened on over IPv6 (read from /proc/PID/net/tcp6)', async (context) => {
    let port: number;
    try {
      port = await listen('::1');
    } catch {
      context.skip();
      return;
    }
    expect(await isPortListening(process.pid, port)).toBe(true);
  });

  it('is false for a port nobody listens on', async () => {
    await listen('127.0.0.1');
    expect(await isPortListening(process.pid, await closedPort())).toBe(false);
  });

  it('is false for the port of a connection that is not listening', async () => {
    const port = await listen('127.0.0.1');
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    const local = client.localPort!;
    try {
      // The client's own port is ESTABLISHED (or closing), never LISTEN.
      expect(await isPortListening(process.pid, local)).toBe(false);
      expect(await isPortListening(process.pid, port)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('is false for a pid that is not a process', async () => {
    const port = await listen('127.0.0.1');
    expect(await isPortListening(0, port)).toBe(false);
    expect(await isPortListening(-1, port)).toBe(false);
    // Above the kernel's pid_max (at most 2^22): no such /proc entry.
    expect(await isPortListening(99_999_999, port)).toBe(false);
  });
});
