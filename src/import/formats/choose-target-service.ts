/**
 * chooseTargetService: which service of a compose file is the one a CTF task's agent attacks, from what the task
 * says about its target.
 */
import { composeNameToLabel } from '../../sandbox/compose-name-to-label.js';
import type { ParsedCompose } from '../../sandbox/parse-compose.js';
import type { ServiceSpec } from '../../schema/suite.js';

/** What the task says about its target: a host (a service name or alias) and a port, either possibly unknown. */
export interface TargetHint {
  host?: string;
  port?: number;
}

/**
 * The target service of a compose file: by the hinted host (name or alias), else by port, else the only one. The
 * services come back renamed when the hinted host is a free DNS label, so that the task's own name resolves.
 */
export function chooseTargetService(
  parsed: ParsedCompose,
  hint: TargetHint,
): { services: Record<string, ServiceSpec>; host: string } | undefined {
  const { services } = parsed;
  const names = Object.keys(services);
  const hostText = hint.host?.toLowerCase();
  const label = hostText === undefined ? undefined : composeNameToLabel(hostText);
  if (label !== undefined && services[label] !== undefined) return { services, host: label };
  const byPort =
    hint.port === undefined ? [] : names.filter((n) => services[n]?.ports?.includes(hint.port ?? 0) === true);
  const found =
    (hostText === undefined ? undefined : parsed.aliases[hostText]) ??
    (byPort.length === 1 ? byPort[0] : undefined) ??
    (names.length === 1 ? names[0] : undefined);
  if (found === undefined) return undefined;
  // The task's own name for the target resolves when it is a DNS label not taken by another service.
  if (label === undefined || label === 'localhost' || services[label] !== undefined)
    return { services, host: found };
  return { services: renameService(services, found, label), host: label };
}

function renameService(
  services: Record<string, ServiceSpec>,
  from: string,
  to: string,
): Record<string, ServiceSpec> {
  const renamed: Record<string, ServiceSpec> = {};
  for (const [name, spec] of Object.entries(services)) {
    const dependsOn = spec.dependsOn?.map((d) => (d === from ? to : d));
    renamed[name === from ? to : name] = dependsOn === undefined ? spec : { ...spec, dependsOn };
  }
  return renamed;
}
