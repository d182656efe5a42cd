/**
 * Pre-release access engagements through the CLI, for the end-to-end tests on SQLite and PostgreSQL: the window an
 * engagement is registered for, the argv of `access register`, `access clear` and `verify-attestation`, and the
 * status rows `access status --json` prints.
 */
import { expect } from 'vitest';
import { addDays, utcDateOf } from '../../src/access/day-number.js';
import type { EngagementStatus } from '../../src/access/engagement-state.js';
import type { SequencingPredicate } from '../../src/access/sequencing-predicate.js';
import type { Engagement } from '../../src/store/engagements.js';
import { runCliCapture } from './cli.js';

/** One row of `redline access status --json`: the engagement, its window as dates, and its derived status. */
export type StatusRow = Pick<Engagement, 'id' | 'developer' | 'model' | 'partners' | 'terms'> &
  EngagementStatus & { start: string; release: string };

/** Today (a UTC date) and an engagement's window around it. */
export interface EngagementWindow {
  today: string;
  /** Yesterday: runs record their engagement only when they start inside the window (UTC date). */
  start: string;
  /** Ten days from today. */
  release: string;
}

/** The window of the engagements the tests register: open since yesterday, released in ten days. */
export function engagementWindow(): EngagementWindow {
  const today = utcDateOf(new Date());
  return { today, start: addDays(today, -1), release: addDays(today, 10) };
}

/** The status row of an engagement just registered with registerArgv for acme and model "sim" in `window`. */
export function openEngagementRow(id: string, window: EngagementWindow): StatusRow {
  return {
    id,
    developer: 'acme',
    model: 'sim',
    start: window.start,
    release: window.release,
    partners: ['partner-a', 'partner-b'],
    terms: 'NDA-2025-17',
    state: 'open',
    daysRemaining: 10,
    overdue: null,
  };
}

/** The engagements of model "sim" in the lab database `db`, as `redline access status --json` prints them. */
export async function readAccessStatus(db: string): Promise<StatusRow[]> {
  const r = await runCliCapture(['access', 'status', '--model', 'sim', '--db', db, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusRow[];
}

/** `redline access register` of an engagement with partners partner-a and partner-b under terms NDA-2025-17. */
export function registerArgv(
  developer: string,
  model: string,
  from: string,
  to: string,
  db: string,
  lab: string,
): string[] {
  const engagement = ['--developer', developer, '--model', model, '--start', from, '--release', to];
  const terms = ['--partners', 'partner-a, partner-b', '--terms', 'NDA-2025-17'];
  return ['access', 'register', ...engagement, ...terms, '--db', db, '--keys', lab, '--json'];
}

/** `redline access clear` of model "sim", the attestation signed by `identity` and written to `out`. */
export function clearArgv(out: string, identity: string, db: string, lab: string): string[] {
  return [
    'access',
    'clear',
    '--model',
    'sim',
    '--identity',
    identity,
    '--out',
    out,
    '--db',
    db,
    '--keys',
    lab,
  ];
}

/** `redline verify-attestation FILE --trust TRUST`, then `extra`. */
export function verifyAttestationArgv(file: string, trust: string, ...extra: string[]): string[] {
  return ['verify-attestation', file, '--trust', trust, ...extra];
}

/** Verifies the sequencing attestation `file` against the key `trust` (`verify-attestation --json`); its predicate. */
export async function readAttestation(file: string, trust: string): Promise<SequencingPredicate> {
  const verified = await runCliCapture(verifyAttestationArgv(file, trust, '--json'));
  expect(verified.code, verified.stderr).toBe(0);
  return (JSON.parse(verified.stdout) as { predicate: SequencingPredicate }).predicate;
}
