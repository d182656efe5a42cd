/**
 * mapComposeNetworks: the networks a service joins, as episode network labels; declareComposeNetworks names the
 * top-level `networks` first. An `external` network (Cybench's shared_net, NYU's ctfnet) is the episode's
 * `default` network, the one the agent joins: nothing on the host is ever joined.
 */
import { composeNameToLabel } from './compose-name-to-label.js';
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** Reads the top-level `networks` into ctx.networks (compose name -> label), with a problem for what cannot be. */
export function declareComposeNetworks(ctx: ComposeContext, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!isRecord(raw)) {
    ctx.problem(['networks'], 'top-level `networks` must be a mapping of network names');
    return;
  }
  const byLabel = new Map<string, string>();
  for (const [name, config] of Object.entries(raw)) {
    const path = ['networks', name];
    let isExternal = false;
    if (config !== null && !isRecord(config)) {
      ctx.problem(path, 'a network declaration must be a mapping (or empty)');
      continue;
    }
    for (const [key, value] of Object.entries(config ?? {})) {
      if (key === 'external') isExternal = value === true || isRecord(value);
      else if (key === 'driver') {
        if (value !== 'bridge' && value !== 'overlay')
          ctx.problem(
            [...path, key],
            `network driver ${JSON.stringify(value)} is refused (it reaches the host's network): remove \`driver\``,
          );
      } else if (
        !['name', 'internal', 'attachable', 'labels', 'enable_ipv6'].includes(key) &&
        !key.startsWith('x-')
      )
        ctx.problem(
          [...path, key],
          `network \`${key}\` is not supported (every episode network is private and addressed by the engine): remove it`,
        );
    }
    if (isExternal || name === 'default') {
      ctx.networks.set(name, 'default');
      continue;
    }
    const label = composeNameToLabel(name);
    if (label === undefined || label === 'default') {
      ctx.problem(
        path,
        `network name "${name}" cannot be made a DNS label (lowercase letters, digits and "-", starting with a letter): rename it`,
      );
      continue;
    }
    const other = byLabel.get(label);
    if (other !== undefined) {
      ctx.problem(path, `networks "${other}" and "${name}" both become "${label}": rename one of them`);
      continue;
    }
    byLabel.set(label, name);
    ctx.networks.set(name, label);
  }
}

/**
 * The networks of a service's `networks` (list or mapping) as labels, or undefined when it joins only `default`
 * (or none could be mapped). Network aliases are recorded as aliases of `service`.
 */
export function mapComposeNetworks(
  ctx: ComposeContext,
  value: unknown,
  at: ComposePath,
  service: string,
): string[] | undefined {
  const names: Array<[name: unknown, config: unknown, path: ComposePath]> = Array.isArray(value)
    ? value.map((n, i) => [n, null, [...at, i]])
    : isRecord(value)
      ? Object.entries(value).map(([n, c]) => [n, c, [...at, n]])
      : [];
  if (names.length === 0) {
    ctx.problem(at, '`networks` must be a non-empty list or mapping of declared networks');
    return undefined;
  }
  const labels: string[] = [];
  for (const [name, config, path] of names) {
    const label =
      name === 'default' ? 'default' : typeof name === 'string' ? ctx.networks.get(name) : undefined;
    if (label === undefined) {
      ctx.problem(
        path,
        `network ${JSON.stringify(name)} is not declared (or has a name that cannot be used) under top-level \`networks\`: declare it there`,
      );
      continue;
    }
    labels.push(label);
    if (config === null || config === undefined) continue;
    if (!isRecord(config)) {
      ctx.problem(path, 'a service network entry must be a mapping (or empty)');
      continue;
    }
    for (const [key, raw] of Object.entries(config)) {
      if (key === 'aliases' && Array.isArray(raw)) {
        for (const alias of raw) if (typeof alias === 'string') ctx.alias(alias, service);
      } else if (key !== 'priority')
        ctx.problem(
          [...path, key],
          `service network \`${key}\` is not supported (addresses are the engine's): remove it`,
        );
    }
  }
  const unique = [...new Set(labels)];
  for (const label of unique) ctx.usedNetworks.add(label);
  if (labels.length === 0) return undefined;
  return unique.length === 1 && unique[0] === 'default' ? undefined : unique;
}
