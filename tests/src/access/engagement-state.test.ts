import { describe, expect, it } from 'vitest';
import {
  WARN_DAYS_BEFORE_RELEASE,
  deriveEngagementStatus,
  findQualifyingRuns,
  type EngagementEvidence,
  type EngagementState,
} from '../../../src/access/engagement-state.js';
import type { Clearance } from '../../../src/store/engagements.js';
import { makeAssessment, makeEngagement, makeRun } from './access-fixtures.js';

// The window: 2025-06-01 (start) .. 2025-06-30 (release), inclusive.
const engagement = makeEngagement();
const none: EngagementEvidence = { runs: [], assessments: [], clearances: [] };
const run = makeRun('run-1', '2025-06-01T00:00:01.000Z');
const assessment = makeAssessment('as-1', '2025-06-01T12:00:00.000Z', { runs: ['run-1'] });
const clearance: Clearance = {
  engagementId: 'eng-1',
  sha256: 'c'.repeat(64),
  completedAt: '2025-06-01',
  issuedAt: '2025-06-01T13:00:00.000Z',
};
const evaluated: EngagementEvidence = { ...none, runs: [run] };
const assessed: EngagementEvidence = { ...evaluated, assessments: [assessment] };
const cleared: EngagementEvidence = { ...assessed, clearances: [clearance] };

const derive = (evidence: EngagementEvidence, today: string) =>
  deriveEngagementStatus(engagement, evidence, today);

describe('deriveEngagementStatus', () => {
  it.each<[string, EngagementEvidence, string, EngagementState, number, boolean]>([
    // [label, evidence, today, state, daysRemaining, overdue?]
    ['nothing', none, '2025-05-31', 'scheduled', 30, false],
    ['nothing', none, '2025-06-01', 'open', 29, false],
    ['nothing', none, '2025-06-30', 'open', 0, true],
    ['nothing', none, '2025-07-01', 'lapsed', -1, true],
    ['a run', evaluated, '2025-06-01', 'evaluated', 29, true],
    ['a run', evaluated, '2025-06-30', 'evaluated', 0, true],
    ['a run', evaluated, '2025-07-01', 'evaluated', -1, true],
    ['run + assessment', assessed, '2025-06-01', 'assessed', 29, false],
    ['run + assessment', assessed, '2025-06-30', 'assessed', 0, false],
    ['run + assessment', assessed, '2025-07-01', 'assessed', -1, true],
    ['run + assessment + clearance', cleared, '2025-06-01', 'cleared', 29, false],
    ['run + assessment + clearance', cleared, '2025-06-30', 'cleared', 0, false],
    ['run + assessment + clearance', cleared, '2025-07-01', 'cleared', -1, false],
  ])('with %s on %s: %s', (_label, evidence, today, state, daysRemaining, isOverdue) => {
    const status = derive(evidence, today);
    expect({ state: status.state, daysRemaining: status.daysRemaining }).toEqual({ state, daysRemaining });
    expect(status.overdue !== null).toBe(isOverdue);
  });

  it('flags an open window without a run only in the last WARN_DAYS_BEFORE_RELEASE days', () => {
    expect(WARN_DAYS_BEFORE_RELEASE).toBe(7);
    expect(derive(none, '2025-06-22')).toEqual({ state: 'open', daysRemaining: 8, overdue: null });
    expect(derive(none, '2025-06-23').overdue).toMatch(/7 days/);
    expect(derive(none, '2025-06-28').overdue).toMatch(/2 days/);
  });

  it('counts a run finished on the release day, not one finished the day after or before the start', () => {
    const lastDay = makeRun('r', '2025-06-30T23:59:59.999Z');
    const dayAfter = makeRun('r', '2025-07-01T00:00:00.000Z');
    const dayBefore = makeRun('r', '2025-05-31T23:59:59.999Z');
    expect(derive({ ...none, runs: [lastDay] }, '2025-07-01').state).toBe('evaluated');
    expect(derive({ ...none, runs: [dayAfter] }, '2025-07-01').state).toBe('lapsed');
    expect(derive({ ...none, runs: [dayBefore] }, '2025-06-01').state).toBe('open');
  });

  it('counts a run recorded as belonging to the engagement wherever it finished', () => {
    const tagged = makeRun('r', '2025-07-01T00:00:00.000Z', { engagementId: 'eng-1' });
    const taggedElsewhere = makeRun('r', '2025-07-01T00:00:00.000Z', { engagementId: 'eng-2' });
    expect(derive({ ...none, runs: [tagged] }, '2025-07-01').state).toBe('evaluated');
    expect(derive({ ...none, runs: [taggedElsewhere] }, '2025-07-01').state).toBe('lapsed');
  });

  it('ignores runs that did not complete, or of another model or developer', () => {
    const runs = [
      makeRun('a', null),
      makeRun('b', '2025-06-05T00:00:00.000Z', { status: 'failed' }),
      makeRun('c', '2025-06-05T00:00:00.000Z', { status: 'interrupted' }),
      makeRun('d', '2025-06-05T00:00:00.000Z', { model: 'm2' }),
      makeRun('e', '2025-06-05T00:00:00.000Z', { developer: 'globex' }),
      makeRun('f', '2025-06-05T00:00:00.000Z', { developer: null }),
    ];
    expect(findQualifyingRuns(engagement, runs)).toEqual([]);
    expect(derive({ ...none, runs }, '2025-06-10').state).toBe('open');
    expect(derive({ ...none, runs }, '2025-07-01').state).toBe('lapsed');
  });

  it('does not count an assessment issued before the run, or of another developer or model', () => {
    for (const a of [
      makeAssessment('x', '2025-06-01T00:00:00.000Z'),
      makeAssessment('x', '2025-06-02T00:00:00.000Z', { developer: 'globex' }),
      makeAssessment('x', '2025-06-02T00:00:00.000Z', { model: 'm2' }),
    ]) {
      expect(derive({ ...evaluated, assessments: [a] }, '2025-06-10').state).toBe('evaluated');
    }
  });

  it('does not count an assessment without a qualifying run', () => {
    expect(derive({ ...none, assessments: [assessment] }, '2025-06-10').state).toBe('open');
  });

  it("does not count another engagement's clearance", () => {
    const other = { ...clearance, engagementId: 'eng-2' };
    expect(derive({ ...assessed, clearances: [other] }, '2025-06-10').state).toBe('assessed');
  });

  it('refuses a today that is not a YYYY-MM-DD date', () => {
    expect(() => derive(none, '2025-06-10T00:00:00Z')).toThrow(RangeError);
  });
});
