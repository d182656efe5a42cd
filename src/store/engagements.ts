/**
 * The `engagements` and `clearances` tables: voluntary pre-release access engagements and the sequencing
 * attestations issued for them. States are derived elsewhere (src/access/), from these rows, runs and assessments.
 */
import type { Db } from './open-store.js';

/** A registered engagement. */
export interface Engagement {
  id: string;
  developer: string;
  model: string;
  /** YYYY-MM-DD (UTC): access opens. */
  startDate: string;
  /** YYYY-MM-DD (UTC): the planned release; access ends. */
  releaseDate: string;
  partners: string[];
  terms: string | null;
  registeredAt: string;
  registeredBy: string;
}

/** An issued sequencing clearance. */
export interface Clearance {
  engagementId: string;
  sha256: string;
  completedAt: string;
  issuedAt: string;
}

interface EngagementRow {
  id: string;
  developer: string;
  model: string;
  start_date: string;
  release_date: string;
  partners: string;
  terms: string | null;
  registered_at: string;
  registered_by: string;
}

function toEngagement(r: EngagementRow): Engagement {
  return {
    id: r.id,
    developer: r.developer,
    model: r.model,
    startDate: r.start_date,
    releaseDate: r.release_date,
    partners: JSON.parse(r.partners) as string[],
    terms: r.terms,
    registeredAt: r.registered_at,
    registeredBy: r.registered_by,
  };
}

/** Stores a new engagement (checks are the caller's: src/access/register-engagement.ts). */
export function insertEngagement(db: Db, e: Engagement): void {
  db.prepare(
    `INSERT INTO engagements (id, developer, model, start_date, release_date, partners, terms, registered_at, registered_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.id,
    e.developer,
    e.model,
    e.startDate,
    e.releaseDate,
    JSON.stringify(e.partners),
    e.terms,
    e.registeredAt,
    e.registeredBy,
  );
}

/** Every engagement (of `model` when given), by start date. */
export function listEngagements(db: Db, model?: string): Engagement[] {
  const rows = (
    model === undefined
      ? db.prepare('SELECT * FROM engagements ORDER BY start_date, id').all()
      : db.prepare('SELECT * FROM engagements WHERE model = ? ORDER BY start_date, id').all(model)
  ) as EngagementRow[];
  return rows.map(toEngagement);
}

/** The engagement of `model` and `developer` whose window [start, release] contains `date` (YYYY-MM-DD), if any. */
export function findOpenEngagement(
  db: Db,
  model: string,
  developer: string,
  date: string,
): Engagement | undefined {
  const row = db
    .prepare(
      `SELECT * FROM engagements WHERE model = ? AND developer = ? AND start_date <= ? AND release_date >= ?
       ORDER BY start_date LIMIT 1`,
    )
    .get(model, developer, date, date) as EngagementRow | undefined;
  return row === undefined ? undefined : toEngagement(row);
}

/** Records an issued clearance. */
export function insertClearance(db: Db, c: Clearance): void {
  db.prepare(
    'INSERT INTO clearances (engagement_id, sha256, completed_at, issued_at) VALUES (?, ?, ?, ?)',
  ).run(c.engagementId, c.sha256, c.completedAt, c.issuedAt);
}

/** The clearances issued for an engagement, oldest first. */
export function listClearances(db: Db, engagementId?: string): Clearance[] {
  const rows = (
    engagementId === undefined
      ? db.prepare('SELECT * FROM clearances ORDER BY issued_at').all()
      : db.prepare('SELECT * FROM clearances WHERE engagement_id = ? ORDER BY issued_at').all(engagementId)
  ) as Array<{ engagement_id: string; sha256: string; completed_at: string; issued_at: string }>;
  return rows.map((r) => ({
    engagementId: r.engagement_id,
    sha256: r.sha256,
    completedAt: r.completed_at,
    issuedAt: r.issued_at,
  }));
}
