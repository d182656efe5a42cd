/**
 * The validation states of a clearinghouse finding and the moves between them:
 *
 *   reported -> triaged -> validated
 *       |          |---> rejected
 *       |          `---> duplicate
 *       |---> rejected
 *       `---> duplicate
 *
 * `validated`, `rejected` and `duplicate` are final. A finding is validated only by `redline vuln validate`
 * (its reproducer showed the expected signal in the sandbox), so validation needs triage first: the operator
 * has looked at it and set the SSVC decision points. Per-participant remediation states (notified ->
 * acknowledged -> remediated) are separate: {@link NOTIFICATION_STATES}.
 */
import { RedlineError } from '../errors.js';

/** Where a finding is in validation. */
export type FindingState = 'reported' | 'triaged' | 'validated' | 'rejected' | 'duplicate';

/** Every finding state, in lifecycle order. */
export const FINDING_STATES: readonly FindingState[] = [
  'reported',
  'triaged',
  'validated',
  'rejected',
  'duplicate',
];

/** Where an affected participant is with an advisory. */
export type NotificationState = 'notified' | 'acknowledged' | 'remediated';

/** Every notification state, in order. */
export const NOTIFICATION_STATES: readonly NotificationState[] = ['notified', 'acknowledged', 'remediated'];

const NEXT: Readonly<Record<FindingState, readonly FindingState[]>> = {
  reported: ['triaged', 'rejected', 'duplicate'],
  triaged: ['validated', 'rejected', 'duplicate'],
  validated: [],
  rejected: [],
  duplicate: [],
};

/** What to do instead, per attempted move into a state from the wrong one. */
const HINT: Readonly<Partial<Record<FindingState, string>>> = {
  triaged: 'only a reported finding is triaged',
  validated: 'triage it first ("redline vuln triage ID ..."), then validate',
};

/** True when a finding may move from `from` to `to`. */
export function canMoveFinding(from: FindingState, to: FindingState): boolean {
  return NEXT[from].includes(to);
}

/** True for the states in which a finding still needs work (not validated-and-closed, rejected or duplicate). */
export function isOpenState(state: FindingState): boolean {
  return state === 'reported' || state === 'triaged' || state === 'validated';
}

/**
 * Throws E_STATE, naming the finding and the allowed moves, unless `from` -> `to` is a move of the lifecycle.
 *
 * @example checkFindingMove('RLV-2026-1', 'reported', 'validated'); // E_STATE: triage it first ...
 */
export function checkFindingMove(id: string, from: FindingState, to: FindingState): void {
  if (canMoveFinding(from, to)) return;
  const allowed = NEXT[from];
  const hint = HINT[to];
  throw new RedlineError(
    'E_STATE',
    `finding ${id} is ${from}: it cannot become ${to}` +
      (allowed.length === 0 ? ` (${from} is final)` : ` (from ${from}: ${allowed.join(', ')})`) +
      (hint === undefined || allowed.length === 0 ? '' : `; ${hint}`),
  );
}

/**
 * Throws E_STATE unless the finding is validated: fixes, advisories and publication are for validated findings
 * only. `action` completes "only validated findings ..." (e.g. "are notified").
 */
export function checkValidated(id: string, state: FindingState, action: string): void {
  if (state === 'validated') return;
  throw new RedlineError(
    'E_STATE',
    `finding ${id} is ${state}: only validated findings ${action} ("redline vuln validate ${id}" runs its reproducer)`,
  );
}

/**
 * Throws E_STATE unless the reproducer of a finding in `state` may still be attached or replaced: only before
 * validation (reported, triaged), so the reproducer a validation ran is the one kept.
 */
export function checkReproducerChange(id: string, state: FindingState): void {
  if (state === 'reported' || state === 'triaged') return;
  throw new RedlineError(
    'E_STATE',
    `finding ${id} is ${state}: its reproducer can no longer change (reproducers are attached before validation)`,
  );
}

/**
 * The next notification state of a participant, or E_STATE. Remediation may be reported without a separate
 * acknowledgement (it implies one); nothing moves backwards.
 */
export function checkNotificationMove(
  id: string,
  participant: string,
  from: NotificationState,
  to: NotificationState,
): void {
  const order = NOTIFICATION_STATES.indexOf(from);
  if (NOTIFICATION_STATES.indexOf(to) > order) return;
  throw new RedlineError(
    'E_STATE',
    `participant ${participant} is already ${from} for finding ${id}: it cannot become ${to}`,
  );
}
