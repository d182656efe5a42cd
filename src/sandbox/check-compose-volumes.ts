/**
 * checkComposeVolumes: a service's `volumes`, which are dropped: an anonymous volume, or a named one that only this
 * service mounts, holds nothing the container's own filesystem would not (each episode starts from fresh
 * containers). Host paths and volumes shared between services are problems; declareComposeVolumes and
 * countComposeVolumeUsers read what that needs.
 */
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** Checks the top-level `volumes`: only local volumes without options may be declared. */
export function declareComposeVolumes(ctx: ComposeContext, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!isRecord(raw)) {
    ctx.problem(['volumes'], 'top-level `volumes` must be a mapping of volume names');
    return;
  }
  for (const [name, config] of Object.entries(raw)) {
    if (config === null || config === undefined) continue;
    if (!isRecord(config)) {
      ctx.problem(['volumes', name], 'a volume declaration must be a mapping (or empty)');
      continue;
    }
    for (const key of Object.keys(config)) {
      if (['name', 'labels'].includes(key) || key.startsWith('x-')) continue;
      if (key === 'driver' && config.driver === 'local') continue;
      ctx.problem(
        ['volumes', name, key],
        `volume \`${key}\` is refused (it can reach host paths or host volumes): remove it`,
      );
    }
  }
}

/** Counts, in ctx.volumeUsers, the named volumes a service's `volumes` mounts. */
export function countComposeVolumeUsers(ctx: ComposeContext, volumes: unknown): void {
  if (!Array.isArray(volumes)) return;
  for (const volume of volumes) {
    const source = namedVolumeSource(volume);
    if (source !== undefined) ctx.volumeUsers.set(source, (ctx.volumeUsers.get(source) ?? 0) + 1);
  }
}

/** Checks a service's `volumes` (after countComposeVolumeUsers has seen every service). */
export function checkComposeVolumes(ctx: ComposeContext, value: unknown, at: ComposePath): void {
  if (!Array.isArray(value)) {
    ctx.problem(at, '`volumes` must be a list');
    return;
  }
  for (const [i, entry] of value.entries()) {
    const path = [...at, i];
    const kind = volumeKind(entry);
    if (kind === 'host')
      ctx.problem(
        path,
        'a volume with a host path is refused (it gives the container host files): COPY the files into the image instead',
      );
    else if (kind === 'invalid') ctx.problem(path, 'not a volume entry: remove it');
    else if (kind === 'named') {
      const source = namedVolumeSource(entry) ?? '';
      if ((ctx.volumeUsers.get(source) ?? 0) > 1)
        ctx.problem(
          path,
          `the named volume "${source}" is shared by several services, which Redline cannot do: share the data another way (e.g. over the network)`,
        );
    }
  }
}

/** What a service volume is: anonymous, named, a host path, or not a volume entry. */
function volumeKind(entry: unknown): 'anonymous' | 'named' | 'host' | 'tmpfs' | 'invalid' {
  if (isRecord(entry)) {
    if (entry.type === 'tmpfs') return 'tmpfs';
    if (entry.type === 'volume' || entry.type === undefined)
      return typeof entry.source === 'string' && entry.source !== '' ? 'named' : 'anonymous';
    return entry.type === 'bind' || entry.type === 'npipe' ? 'host' : 'invalid';
  }
  if (typeof entry !== 'string' || entry === '') return 'invalid';
  const parts = entry.split(':');
  if (parts.length === 1) return 'anonymous';
  const source = parts[0] ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source) ? 'named' : 'host';
}

function namedVolumeSource(entry: unknown): string | undefined {
  if (volumeKind(entry) !== 'named') return undefined;
  if (isRecord(entry)) return String(entry.source);
  return typeof entry === 'string' ? entry.split(':')[0] : undefined;
}
