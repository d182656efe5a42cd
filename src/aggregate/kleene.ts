/**
 * Designation decisions and their three-valued (Kleene) logic: covered = true, not-covered = false,
 * inconclusive = unknown.
 */

/** The outcome of a designation (DESIGN.md §4). */
export type Decision = 'covered' | 'not-covered' | 'inconclusive';

/** Kleene OR: covered if any is covered, else inconclusive if any is inconclusive, else not-covered (also for none). */
export function kleeneOr(...decisions: readonly Decision[]): Decision {
  if (decisions.includes('covered')) return 'covered';
  if (decisions.includes('inconclusive')) return 'inconclusive';
  return 'not-covered';
}

/** Kleene AND: not-covered if any is not-covered, else inconclusive if any is inconclusive, else covered (also for none). */
export function kleeneAnd(...decisions: readonly Decision[]): Decision {
  if (decisions.includes('not-covered')) return 'not-covered';
  if (decisions.includes('inconclusive')) return 'inconclusive';
  return 'covered';
}
