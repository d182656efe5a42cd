/**
 * The TCP healthcheck of a service, seen from the host: a socket in LISTEN state on the port in the container's
 * network namespace (/proc/PID/net/tcp and tcp6 of its main process). Needs nothing inside the image and sends no
 * packet.
 */
import { readFile } from 'node:fs/promises';

const LISTEN = '0A';

/** True when a process in the network namespace of `pid` listens on TCP `port` (any address). */
export async function isPortListening(pid: number, port: number): Promise<boolean> {
  if (pid <= 0) return false;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st ...; local_address is ADDR:PORT in hex.
      if (fields[3] === LISTEN && fields[1]?.endsWith(`:${hexPort}`)) return true;
    }
  }
  return false;
}
