/**
 * mapComposeDependsOn: a service's `depends_on` (and `links`, which also order start-up) as the labels of the
 * services it waits for. A `service_healthy` condition is recorded so that the awaited service gets a healthcheck.
 */
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** The services `depends_on` names (list or mapping with conditions), as labels. */
export function mapComposeDependsOn(ctx: ComposeContext, value: unknown, at: ComposePath): string[] {
  const found: string[] = [];
  const add = (name: unknown, path: ComposePath): void => {
    const label = typeof name === 'string' ? ctx.services.get(name) : undefined;
    if (label === undefined)
      ctx.problem(path, `depends on ${JSON.stringify(name)}, which is not a service of this file`);
    else found.push(label);
  };
  if (Array.isArray(value)) value.forEach((name, i) => add(name, [...at, i]));
  else if (isRecord(value)) {
    for (const [name, config] of Object.entries(value)) {
      const condition = isRecord(config) ? config.condition : undefined;
      if (condition === 'service_completed_successfully') {
        ctx.problem(
          [...at, name, 'condition'],
          'waiting for a service to exit is not supported: run that step in the image instead',
        );
        continue;
      }
      if (condition !== undefined && condition !== 'service_started' && condition !== 'service_healthy') {
        ctx.problem([...at, name, 'condition'], 'must be service_started or service_healthy');
        continue;
      }
      add(name, [...at, name]);
      const label = ctx.services.get(name);
      if (condition === 'service_healthy' && label !== undefined) ctx.healthyNeeded.add(label);
    }
  } else ctx.problem(at, '`depends_on` must be a list or a mapping of service names');
  return found;
}

/** The services `links` names (`service` or `service:alias`), as labels; each alias is recorded. */
export function mapComposeLinks(ctx: ComposeContext, value: unknown, at: ComposePath): string[] {
  if (!Array.isArray(value)) {
    ctx.problem(at, '`links` must be a list of service names');
    return [];
  }
  const found: string[] = [];
  for (const [i, entry] of value.entries()) {
    const [name, alias] = typeof entry === 'string' ? entry.split(':') : [];
    const label = name === undefined ? undefined : ctx.services.get(name);
    if (label === undefined) {
      ctx.problem([...at, i], `links to ${JSON.stringify(entry)}, which is not a service of this file`);
      continue;
    }
    found.push(label);
    if (alias !== undefined) ctx.alias(alias, label);
  }
  return found;
}
