/**
 * composeNameToLabel: the DNS label a compose service or network name becomes inside an episode.
 */

/** A DNS label, the form of service and network names inside an episode. */
const DNS_LABEL = /^[a-z][a-z0-9-]{0,62}$/;

/** A compose name as a DNS label (lowercased, `_` -> `-`), or undefined when that is not one. */
export function composeNameToLabel(name: string): string | undefined {
  const label = name.toLowerCase().replaceAll('_', '-');
  return DNS_LABEL.test(label) ? label : undefined;
}
