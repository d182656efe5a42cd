import { describe, expect, it } from 'vitest';
import {
  FINDING_STATES,
  NOTIFICATION_STATES,
  canMoveFinding,
  checkFindingMove,
  checkNotificationMove,
  isOpenState,
  type FindingState,
  type NotificationState,
} from '../../../src/vuln/lifecycle.js';
import { errorOf } from '../../helpers/error-of.js';

// The diagram of the module comment, written out independently of the module's own table.
const ALLOWED: ReadonlySet<string> = new Set([
  'reported>triaged',
  'reported>rejected',
  'reported>duplicate',
  'triaged>validated',
  'triaged>rejected',
  'triaged>duplicate',
]);

const PAIRS: [FindingState, FindingState, boolean][] = FINDING_STATES.flatMap((from) =>
  FINDING_STATES.map((to): [FindingState, FindingState, boolean] => [from, to, ALLOWED.has(`${from}>${to}`)]),
);

describe('finding lifecycle', () => {
  it('lists the five states in lifecycle order and the table covers all 25 pairs', () => {
    expect(FINDING_STATES).toEqual(['reported', 'triaged', 'validated', 'rejected', 'duplicate']);
    expect(PAIRS).toHaveLength(25);
    expect(PAIRS.filter(([, , isAllowed]) => isAllowed)).toHaveLength(6);
  });

  it.each(PAIRS)('%s -> %s allowed: %s', (from, to, isAllowed) => {
    expect(canMoveFinding(from, to)).toBe(isAllowed);
    const error = errorOf(() => checkFindingMove('RLV-2026-7', from, to));
    if (isAllowed) {
      expect(error).toBeUndefined();
    } else {
      expect(error?.code).toBe('E_STATE');
      expect(error?.message).toContain('RLV-2026-7');
      expect(error?.message).toContain(from);
      expect(error?.message).toContain(to);
    }
  });

  it('names the final state when the finding can no longer move', () => {
    for (const from of ['validated', 'rejected', 'duplicate'] as const) {
      for (const to of FINDING_STATES) {
        expect(errorOf(() => checkFindingMove('RLV-2026-1', from, to))?.message).toContain(
          `(${from} is final)`,
        );
      }
    }
  });

  it('lists the allowed moves from an open state', () => {
    expect(errorOf(() => checkFindingMove('RLV-2026-1', 'reported', 'reported'))?.message).toContain(
      'from reported: triaged, rejected, duplicate',
    );
    expect(errorOf(() => checkFindingMove('RLV-2026-1', 'triaged', 'reported'))?.message).toContain(
      'from triaged: validated, rejected, duplicate',
    );
  });

  it('tells the operator to triage before validating a reported finding', () => {
    const error = errorOf(() => checkFindingMove('RLV-2031-12', 'reported', 'validated'));
    expect(error?.code).toBe('E_STATE');
    expect(error?.message).toContain('finding RLV-2031-12 is reported');
    expect(error?.message).toContain('triage it first');
    expect(error?.message).toContain('redline vuln triage');
  });

  it('says only a reported finding is triaged when triaging twice', () => {
    const error = errorOf(() => checkFindingMove('RLV-2026-3', 'triaged', 'triaged'));
    expect(error?.code).toBe('E_STATE');
    expect(error?.message).toContain('only a reported finding is triaged');
  });

  it('gives no hint for moves out of a final state', () => {
    const message = errorOf(() => checkFindingMove('RLV-2026-3', 'rejected', 'validated'))?.message ?? '';
    expect(message).not.toContain('triage it first');
  });

  it('counts reported, triaged and validated as open; rejected and duplicate as closed', () => {
    expect(FINDING_STATES.filter(isOpenState)).toEqual(['reported', 'triaged', 'validated']);
  });
});

describe('checkNotificationMove', () => {
  const pairs: [NotificationState, NotificationState, boolean][] = NOTIFICATION_STATES.flatMap((from) =>
    NOTIFICATION_STATES.map((to): [NotificationState, NotificationState, boolean] => [
      from,
      to,
      NOTIFICATION_STATES.indexOf(to) > NOTIFICATION_STATES.indexOf(from),
    ]),
  );

  it('lists notified, acknowledged, remediated in order', () => {
    expect(NOTIFICATION_STATES).toEqual(['notified', 'acknowledged', 'remediated']);
    expect(pairs.filter(([, , isAllowed]) => isAllowed)).toHaveLength(3);
  });

  it.each(pairs)('%s -> %s allowed: %s', (from, to, isAllowed) => {
    const error = errorOf(() => checkNotificationMove('RLV-2026-4', 'acme-energy', from, to));
    if (isAllowed) {
      expect(error).toBeUndefined();
    } else {
      expect(error?.code).toBe('E_STATE');
      expect(error?.message).toContain('acme-energy');
      expect(error?.message).toContain('RLV-2026-4');
      expect(error?.message).toContain(`already ${from}`);
    }
  });

  it('lets a participant report remediation without a separate acknowledgement', () => {
    expect(errorOf(() => checkNotificationMove('RLV-2026-4', 'p', 'notified', 'remediated'))).toBeUndefined();
  });
});
