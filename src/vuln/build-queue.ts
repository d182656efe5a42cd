/**
 * The clearinghouse's prioritised work queue: every open finding with its CVSS base score, its CISA SSVC
 * decision (from triage, the CVSS vector and the sectors of the affected participants: src/vuln/triage.ts), in
 * the order of src/vuln/prioritise.ts (decision, then score, then age), each with its explanation.
 */
import { scoreCvss, type CvssScore } from './cvss.js';
import type { Finding } from './finding.js';
import type { FindingState } from './lifecycle.js';
import { explainDecision, orderQueue } from './prioritise.js';
import { decideSsvc, type SsvcDecision, type SsvcInputs } from './ssvc.js';
import { deriveSsvcInputs, type Triage } from './triage.js';

/** What the queue is built from, per open finding. */
export interface QueueSource {
  id: string;
  state: FindingState;
  reportedAt: string;
  finding: Finding;
  triage: Triage | null;
  /** The affected participants and their sectors (null when the keyring gives none). */
  affected: readonly { participant: string; sector: string | null }[];
}

/** One row of `redline vuln queue --json`. */
export interface QueueItem {
  rank: number;
  id: string;
  state: FindingState;
  title: string;
  reportedAt: string;
  decision: SsvcDecision;
  /** CVSS base score, or null without a vector. */
  score: number | null;
  cvss: { version: string; severity: string; vector: string } | null;
  ssvc: SsvcInputs;
  /** Where each decision point came from. */
  sources: Record<keyof SsvcInputs, string>;
  affected: string[];
  explanation: string;
}

/**
 * The queue of `sources`, ordered and explained. Vectors were validated at intake; one that no longer scores
 * (a hand-edited database) ranks as unscored rather than hiding the finding.
 */
export function buildQueue(sources: readonly QueueSource[]): QueueItem[] {
  // Findings share vectors; scoring one is the costliest step of the queue.
  const scores = new Map<string, CvssScore | null>();
  const scoreOf = (vector: string): CvssScore | null => {
    if (!scores.has(vector)) {
      try {
        scores.set(vector, scoreCvss(vector));
      } catch {
        scores.set(vector, null);
      }
    }
    return scores.get(vector) ?? null;
  };
  const items = sources.map((source) => {
    const cvss = source.finding.cvssVector === null ? null : scoreOf(source.finding.cvssVector);
    const sectors = source.affected.flatMap((a) => (a.sector === null ? [] : [a.sector]));
    const derived = deriveSsvcInputs(source.triage, cvss, sectors);
    const outcome = decideSsvc(derived.inputs);
    return {
      rank: 0,
      id: source.id,
      state: source.state,
      title: source.finding.title,
      reportedAt: source.reportedAt,
      decision: outcome.decision,
      score: cvss?.base ?? null,
      cvss:
        cvss === null
          ? null
          : { version: cvss.declaredVersion, severity: cvss.severity, vector: cvss.vector },
      ssvc: derived.inputs,
      sources: derived.sources,
      affected: source.affected.map((a) => a.participant),
      explanation: explainDecision(outcome, cvss),
    } satisfies QueueItem;
  });
  return orderQueue(items).map((item, index) => ({ ...item, rank: index + 1 }));
}
