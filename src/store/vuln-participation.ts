/**
 * What participants hold in the clearinghouse: scan claims (`vuln_scan_claims`), package inventories
 * (`vuln_inventory`, for finding who a vulnerability affects) and their advisories' status
 * (`vuln_notifications`: notified -> acknowledged -> remediated).
 */
import { RedlineError } from '../errors.js';
import type { InventoryItem } from '../vuln/affected.js';
import { checkNotificationMove, type NotificationState } from '../vuln/lifecycle.js';
import type { ClaimScope, ScanClaim } from '../vuln/scan-claims.js';
import type { Db } from './open-store.js';
import { nextInSeries } from './vuln-findings.js';

/** A stored scan claim. */
export interface StoredClaim extends ScanClaim {
  id: string;
  claimedAt: string;
  releasedAt: string | null;
}

/** An affected participant's advisory and where they are with it. */
export interface Notification {
  findingId: string;
  participant: string;
  state: NotificationState;
  advisoryId: string;
  fileSha256: string;
  notifiedAt: string;
  acknowledgedAt: string | null;
  remediatedAt: string | null;
}

interface ClaimRow {
  id: string;
  participant: string;
  scope: string;
  from_at: string;
  to_at: string;
  claimed_at: string;
  released_at: string | null;
}

/** Stores a claim (checks are the caller's); returns its id, `SC-<n>`. Call inside an immediate transaction. */
export function insertScanClaim(db: Db, claim: ScanClaim, claimedAt: string): string {
  const id = `SC-${nextInSeries(db, 'SC-')}`;
  db.prepare(
    `INSERT INTO vuln_scan_claims (id, participant, scope, from_at, to_at, claimed_at) VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(id, claim.participant, JSON.stringify(claim.scope), claim.from, claim.to, claimedAt);
  return id;
}

/** Claims, oldest first; released ones only when asked. */
export function listScanClaims(db: Db, options: { includeReleased?: boolean } = {}): StoredClaim[] {
  const rows = db
    .prepare(
      `SELECT id, participant, scope, from_at, to_at, claimed_at, released_at FROM vuln_scan_claims
       ${options.includeReleased === true ? '' : 'WHERE released_at IS NULL'} ORDER BY CAST(substr(id, 4) AS INTEGER)`,
    )
    .all() as ClaimRow[];
  return rows.map((r) => ({
    id: r.id,
    participant: r.participant,
    scope: JSON.parse(r.scope) as ClaimScope,
    from: r.from_at,
    to: r.to_at,
    claimedAt: r.claimed_at,
    releasedAt: r.released_at,
  }));
}

/** Releases a held claim; E_NOT_FOUND for an unknown id, E_STATE when it was already released. */
export function releaseScanClaim(db: Db, id: string, at: string): StoredClaim {
  const claim = listScanClaims(db, { includeReleased: true }).find((c) => c.id === id);
  if (claim === undefined)
    throw new RedlineError('E_NOT_FOUND', `no scan claim "${id}" (see "redline vuln scan list")`);
  if (claim.releasedAt !== null) {
    throw new RedlineError('E_STATE', `scan claim ${id} was already released at ${claim.releasedAt}`);
  }
  db.prepare('UPDATE vuln_scan_claims SET released_at = ? WHERE id = ? AND released_at IS NULL').run(at, id);
  return { ...claim, releasedAt: at };
}

/** Adds inventory items; returns how many were new (an item already held is kept as it was). */
export function addInventory(db: Db, items: readonly InventoryItem[], at: string): number {
  const insert = db.prepare(
    `INSERT INTO vuln_inventory (participant, purl, version, added_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  let added = 0;
  for (const item of items) added += insert.run(item.participant, item.purl, item.version, at).changes;
  return added;
}

/** Removes inventory items; returns how many were held. */
export function removeInventory(db: Db, items: readonly InventoryItem[]): number {
  const remove = db.prepare('DELETE FROM vuln_inventory WHERE participant = ? AND purl = ? AND version = ?');
  let removed = 0;
  for (const item of items) removed += remove.run(item.participant, item.purl, item.version).changes;
  return removed;
}

/** Every inventory item, by participant, package and version. */
export function listInventory(db: Db): InventoryItem[] {
  return db
    .prepare('SELECT participant, purl, version FROM vuln_inventory ORDER BY participant, purl, version')
    .all() as InventoryItem[];
}

interface NotificationRow {
  finding_id: string;
  participant: string;
  state: NotificationState;
  advisory_id: string;
  file_sha256: string;
  notified_at: string;
  acknowledged_at: string | null;
  remediated_at: string | null;
}

function toNotification(r: NotificationRow): Notification {
  return {
    findingId: r.finding_id,
    participant: r.participant,
    state: r.state,
    advisoryId: r.advisory_id,
    fileSha256: r.file_sha256,
    notifiedAt: r.notified_at,
    acknowledgedAt: r.acknowledged_at,
    remediatedAt: r.remediated_at,
  };
}

/**
 * Records that a participant was sent an advisory. A participant notified again (a new patch, a later embargo)
 * keeps the state they reached; the latest advisory is recorded.
 */
export function recordNotification(
  db: Db,
  n: { findingId: string; participant: string; advisoryId: string; fileSha256: string; at: string },
): void {
  db.prepare(
    `INSERT INTO vuln_notifications (finding_id, participant, state, advisory_id, file_sha256, notified_at)
     VALUES (?, ?, 'notified', ?, ?, ?)
     ON CONFLICT (finding_id, participant) DO UPDATE SET advisory_id = excluded.advisory_id,
       file_sha256 = excluded.file_sha256, notified_at = excluded.notified_at`,
  ).run(n.findingId, n.participant, n.advisoryId, n.fileSha256, n.at);
}

/** The notifications of one finding (or of all), by finding and participant. */
export function listNotifications(db: Db, findingId?: string): Notification[] {
  const rows = (
    findingId === undefined
      ? db.prepare('SELECT * FROM vuln_notifications ORDER BY finding_id, participant').all()
      : db
          .prepare('SELECT * FROM vuln_notifications WHERE finding_id = ? ORDER BY participant')
          .all(findingId)
  ) as NotificationRow[];
  return rows.map(toNotification);
}

/**
 * Moves a participant's status forward; E_ACCESS when the participant was never notified of the finding (not
 * affected), E_STATE for a move backwards. Remediation without an acknowledgement records both.
 */
export function moveNotification(
  db: Db,
  findingId: string,
  participant: string,
  to: Exclude<NotificationState, 'notified'>,
  at: string,
): Notification {
  const current = listNotifications(db, findingId).find((n) => n.participant === participant);
  if (current === undefined) {
    throw new RedlineError(
      'E_ACCESS',
      `participant ${participant} was not notified of finding ${findingId}: only affected participants acknowledge or remediate it`,
    );
  }
  checkNotificationMove(findingId, participant, current.state, to);
  const acknowledgedAt = current.acknowledgedAt ?? at;
  const remediatedAt = to === 'remediated' ? at : null;
  db.prepare(
    `UPDATE vuln_notifications SET state = ?, acknowledged_at = ?, remediated_at = ?
     WHERE finding_id = ? AND participant = ? AND state = ?`,
  ).run(to, acknowledgedAt, remediatedAt, findingId, participant, current.state);
  return { ...current, state: to, acknowledgedAt, remediatedAt };
}
