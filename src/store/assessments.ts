/**
 * The `assessments` table: one row per sealed assessment issued (`redline assess`), so that engagement states and
 * sequencing clearances derive from what was really issued.
 */
import type { Db } from './open-store.js';

/** An issued assessment, as recorded (never its content: that leaves the lab only sealed). */
export interface IssuedAssessment {
  id: string;
  developer: string;
  model: string;
  runs: string[];
  decision: string;
  fileSha256: string;
  issuedAt: string;
}

/** Records an issued assessment. */
export function recordAssessment(db: Db, assessment: IssuedAssessment): void {
  db.prepare(
    `INSERT INTO assessments (id, developer, model, runs, decision, file_sha256, issued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    assessment.id,
    assessment.developer,
    assessment.model,
    JSON.stringify(assessment.runs),
    assessment.decision,
    assessment.fileSha256,
    assessment.issuedAt,
  );
}

/** The assessments issued for `model` (all when undefined), oldest first. */
export function listAssessments(db: Db, model?: string): IssuedAssessment[] {
  const rows = (
    model === undefined
      ? db.prepare('SELECT * FROM assessments ORDER BY issued_at, id').all()
      : db.prepare('SELECT * FROM assessments WHERE model = ? ORDER BY issued_at, id').all(model)
  ) as Array<{
    id: string;
    developer: string;
    model: string;
    runs: string;
    decision: string;
    file_sha256: string;
    issued_at: string;
  }>;
  return rows.map((r) => ({
    id: r.id,
    developer: r.developer,
    model: r.model,
    runs: JSON.parse(r.runs) as string[],
    decision: r.decision,
    fileSha256: r.file_sha256,
    issuedAt: r.issued_at,
  }));
}
