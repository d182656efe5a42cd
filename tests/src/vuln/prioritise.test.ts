import { describe, expect, it } from 'vitest';
import { scoreCvss } from '../../../src/vuln/cvss.js';
import { explainDecision, orderQueue, type QueueEntry } from '../../../src/vuln/prioritise.js';
import { decideSsvc } from '../../../src/vuln/ssvc.js';
import { codeOf } from '../../helpers/error-of.js';

function entry(
  id: string,
  decision: QueueEntry['decision'],
  score: number | null,
  reportedAt: string,
): QueueEntry {
  return { id, decision, score, reportedAt };
}

const ids = (entries: readonly QueueEntry[]): string[] => entries.map((e) => e.id);

describe('orderQueue', () => {
  it('puts act before attend before track* before track, whatever the score', () => {
    const queue = [
      entry('t', 'track', 10, '2020-01-01'),
      entry('ts', 'track*', 9.9, '2020-01-01'),
      entry('at', 'attend', 9.8, '2020-01-01'),
      entry('ac', 'act', 0.1, '2030-01-01'),
    ];
    expect(ids(orderQueue(queue))).toEqual(['ac', 'at', 'ts', 't']);
  });

  it('orders by CVSS base score descending within a decision, unscored last', () => {
    const queue = [
      entry('none', 'attend', null, '2000-01-01'),
      entry('low', 'attend', 3.1, '2025-01-01'),
      entry('zero', 'attend', 0, '2025-01-01'),
      entry('high', 'attend', 9.8, '2025-01-01'),
    ];
    expect(ids(orderQueue(queue))).toEqual(['high', 'low', 'zero', 'none']);
  });

  it('breaks a score tie by age, older first (comparing instants, not strings)', () => {
    const queue = [
      entry('newer', 'act', 7.5, '2025-03-01T10:00:00Z'),
      // 09:30 at +01:00 is 08:30Z: the oldest, though its string sorts last.
      entry('oldest', 'act', 7.5, '2025-03-01T09:30:00+01:00'),
      entry('older', 'act', 7.5, '2025-03-01T09:00:00Z'),
    ];
    expect(ids(orderQueue(queue))).toEqual(['oldest', 'older', 'newer']);
  });

  it('breaks a tie of unscored findings by age', () => {
    const queue = [entry('b', 'track', null, '2025-02-01'), entry('a', 'track', null, '2025-01-01')];
    expect(ids(orderQueue(queue))).toEqual(['a', 'b']);
  });

  it('breaks a full tie by id, in code-unit order', () => {
    const queue = [
      entry('b', 'track', 5, '2025-01-01'),
      entry('a', 'track', 5, '2025-01-01T00:00:00Z'),
      entry('B', 'track', 5, '2025-01-01'),
    ];
    expect(ids(orderQueue(queue))).toEqual(['B', 'a', 'b']);
  });

  it('gives the same order for any input order, and leaves the input alone', () => {
    const queue = [
      entry('1', 'track', null, '2025-01-01'),
      entry('2', 'act', 9, '2025-01-02'),
      entry('3', 'act', 9, '2025-01-01'),
      entry('4', 'attend', null, '2025-01-01'),
      entry('5', 'attend', 4, '2025-01-05'),
      entry('6', 'track*', 4, '2025-01-05'),
    ];
    const expected = ['3', '2', '5', '4', '6', '1'];
    const before = ids(queue);
    expect(ids(orderQueue(queue))).toEqual(expected);
    expect(ids(orderQueue([...queue].reverse()))).toEqual(expected);
    expect(ids(queue)).toEqual(before);
  });

  it('keeps the extra fields of each finding', () => {
    const [first] = orderQueue([{ ...entry('x', 'act', 1, '2025-01-01'), title: 'kept' }]);
    expect(first?.title).toBe('kept');
  });

  it.each([
    ['unknown decision', entry('x', 'urgent' as QueueEntry['decision'], 5, '2025-01-01')],
    ['score above 10', entry('x', 'act', 10.5, '2025-01-01')],
    ['negative score', entry('x', 'act', -1, '2025-01-01')],
    ['NaN score', entry('x', 'act', Number.NaN, '2025-01-01')],
    ['non-ISO date', entry('x', 'act', 5, '01/02/2025')],
    ['date-time without offset', entry('x', 'act', 5, '2025-01-01T10:00:00')],
    ['impossible date', entry('x', 'act', 5, '2025-13-45')],
    ['day past the end of the month', entry('x', 'act', 5, '2025-02-30')],
    ['hour 24', entry('x', 'act', 5, '2025-01-01T24:00:00Z')],
    ['empty id', entry('', 'act', 5, '2025-01-01')],
  ])('rejects a finding with %s as E_USAGE', (_why, bad) => {
    expect(codeOf(() => orderQueue([entry('ok', 'track', null, '2025-01-01'), bad]))).toBe('E_USAGE');
  });
});

describe('explainDecision', () => {
  const ssvc = decideSsvc({
    exploitation: 'active',
    automatable: 'yes',
    technicalImpact: 'total',
    missionWellbeing: 'medium',
  });

  it('puts the decision, the SSVC path and the CVSS score on one line', () => {
    const line = explainDecision(ssvc, scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'));
    expect(line.startsWith('act')).toBe(true);
    expect(line).toContain(ssvc.explanation);
    expect(line).toContain('9.8');
    expect(line).toContain('Critical');
    expect(line).toContain('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(line).not.toContain('\n');
  });

  it('says when a v3.0 vector was scored as v3.1', () => {
    const line = explainDecision(ssvc, scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'));
    expect(line).toContain('3.0');
    expect(line).toContain('3.1');
    expect(line).toContain('7.5');
  });

  it('still explains a finding without a CVSS score', () => {
    const line = explainDecision(ssvc, null);
    expect(line).toContain(ssvc.explanation);
    expect(line).not.toContain('\n');
  });
});
