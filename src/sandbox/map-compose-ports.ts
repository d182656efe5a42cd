/**
 * mapComposePorts: a service's `expose` or `ports` as the container ports it listens on. Only the container port is
 * kept: nothing is ever published to the host.
 */
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** Most ports one `a-b` range may expand to. */
const MAX_PORT_RANGE = 100;

/** The container ports of an `expose`/`ports` list (a problem for each entry that is not one). */
export function mapComposePorts(ctx: ComposeContext, value: unknown, at: ComposePath): number[] {
  if (!Array.isArray(value)) {
    ctx.problem(at, 'must be a list of ports');
    return [];
  }
  const ports: number[] = [];
  for (const [i, entry] of value.entries()) {
    const found = containerPorts(isRecord(entry) ? entry.target : entry);
    if (found === undefined)
      ctx.problem(
        [...at, i],
        `not a port or port mapping (e.g. 8080, "1337:1337", "127.0.0.1:80:80/tcp"; ranges up to ${MAX_PORT_RANGE} ports): fix the entry`,
      );
    else ports.push(...found);
  }
  return ports;
}

/** The container ports of an `expose`/`ports` entry, or undefined when it is not one. */
function containerPorts(entry: unknown): number[] | undefined {
  if (typeof entry === 'number') return isPort(entry) ? [entry] : undefined;
  if (typeof entry !== 'string') return undefined;
  // HOST_IP:HOST:CONTAINER/proto -> CONTAINER (IPv6 host addresses are bracketed, so the last ':' still splits).
  const container =
    entry
      .replace(/\/(tcp|udp|sctp)$/i, '')
      .split(':')
      .at(-1) ?? '';
  const range = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (range === null) return undefined;
  const first = Number(range[1]);
  const last = range[2] === undefined ? first : Number(range[2]);
  if (!isPort(first) || !isPort(last) || last < first || last - first >= MAX_PORT_RANGE) return undefined;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
