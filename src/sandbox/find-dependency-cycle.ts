/**
 * findDependencyCycle: a cycle of `dependsOn` among the services of a docker sandbox.
 */
import type { ServiceSpec } from '../schema/suite.js';

/** A depends_on cycle among `services`: the names along it, or undefined. Unknown dependencies are skipped. */
export function findDependencyCycle(services: Record<string, ServiceSpec>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of services[name]?.dependsOn ?? []) {
      const cycle = services[next] === undefined ? undefined : visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services)) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
