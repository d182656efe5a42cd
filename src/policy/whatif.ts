/**
 * What-if: the designation of every stored run under the active policy and under a proposed one, side by side,
 * with what would change, so a threshold owner sees the effect of a policy before signing it.
 */
import type { Interval } from '../aggregate/interval.js';
import { kleeneOr, type Decision } from '../aggregate/kleene.js';
import type { RunStats } from '../store/run-stats.js';
import type { ResolvedPolicy } from './load-policy.js';
import {
  createTQuantileCache,
  decideRun,
  estimateRunMetric,
  explainRun,
  type RunEstimate,
} from './run-decision.js';

/** How many runs (or models) reach each decision. */
export interface DecisionCounts {
  covered: number;
  notCovered: number;
  inconclusive: number;
}

/** A change of decision, e.g. `covered->inconclusive`. */
export type DecisionChange =
  | 'covered->not-covered'
  | 'covered->inconclusive'
  | 'not-covered->covered'
  | 'not-covered->inconclusive'
  | 'inconclusive->covered'
  | 'inconclusive->not-covered';

/** One run under both policies. */
export interface WhatIfRun {
  runId: string;
  model: string;
  /** The suite id. */
  suite: string;
  suiteVersion: string;
  developer: string | null;
  /** The decision under the active policy. */
  active: Decision;
  /** The decision under the proposed policy. */
  proposed: Decision;
  /** active !== proposed. */
  changed: boolean;
  /**
   * How far the proposed policy's overall metric clears its cutoff: (basis lower ? the interval's lower bound :
   * the estimate) − cutoff; >= 0 means the overall comparison says covered. Null when there is no estimate. It
   * ignores category cutoffs and the error-rate gate.
   */
  margin: number | null;
  /** The proposed policy's metric. */
  estimate: number | null;
  /** Its t interval at the proposed policy's confidence. */
  interval: Interval | null;
  /** Errored units / attempted units. */
  errorRate: number;
  /** With `explain`, for changed runs: the reasons under each policy (from `designateFromStats`). */
  reasons?: { active: string[]; proposed: string[] };
}

/** One model under both policies: covered when any of its runs is (Kleene OR over its runs). */
export interface WhatIfModel {
  model: string;
  /** Its runs considered. */
  runs: number;
  active: Decision;
  proposed: Decision;
  changed: boolean;
}

/** Counts under both policies and the changes between them. */
export interface WhatIfCounts {
  /** How many changed. */
  changed: number;
  active: DecisionCounts;
  proposed: DecisionCounts;
  /** Every change of decision, with a count (0 included). */
  transitions: Record<DecisionChange, number>;
}

/** The what-if comparison (the CONTRACT fields, extended with `models` and per-run details). */
export interface WhatIfResult {
  active: { id: string; version: number };
  proposed: { id: string; version: number };
  /** In the order given (newest first from `loadRunStats`). */
  runs: WhatIfRun[];
  /** Per model, sorted by name. */
  models: WhatIfModel[];
  summary: WhatIfCounts & {
    /** Runs considered. */
    runs: number;
    /** Per model: each decided as the Kleene OR of its runs. */
    models: WhatIfCounts & { models: number };
  };
}

/** Options of `whatIf`. */
export interface WhatIfOptions {
  /** Attach the reasons under both policies to every changed run (slower: a full designation per changed run). */
  explain?: boolean;
}

/**
 * Decides every run under the active and the proposed policy and counts what changes.
 *
 * Decisions come from the runs' stored sufficient statistics with t intervals at each policy's confidence (the
 * decisions of `designateFromStats`): what-if never rescans per-sample rows, so a run reported with bootstrap
 * intervals can be decided differently here near the cutoff (bootstrap intervals need the rows). The error rate
 * is errors / (scored + errors) against each policy's maxErrorRate; categories and the rules any / all apply.
 *
 * @example
 * const result = whatIf(loadRunStats(db), activePolicy, proposedPolicy);
 * result.summary.transitions['covered->inconclusive'];
 */
export function whatIf(
  runs: readonly RunStats[],
  active: ResolvedPolicy,
  proposed: ResolvedPolicy,
  options: WhatIfOptions = {},
): WhatIfResult {
  const quantile = createTQuantileCache();
  // The overall estimate does not depend on the cutoff: compute it once when both policies share metric and
  // confidence (the usual proposal: a new cutoff).
  const shared = active.metric === proposed.metric && active.confidence === proposed.confidence;
  const summary = { runs: runs.length, ...emptyCounts() };
  const perModel = new Map<string, { runs: number; active: Decision; proposed: Decision }>();
  const rows: WhatIfRun[] = [];

  for (const run of runs) {
    const activeEstimate: RunEstimate = estimateRunMetric(run, active.metric, active.confidence, quantile);
    const proposedEstimate = shared
      ? activeEstimate
      : estimateRunMetric(run, proposed.metric, proposed.confidence, quantile);
    const before = decideRun(run, active, { quantile, overall: activeEstimate });
    const after = decideRun(run, proposed, { quantile, overall: proposedEstimate });
    const changed = before.decision !== after.decision;
    tally(summary, before.decision, after.decision);

    const model = perModel.get(run.model);
    if (model === undefined) {
      perModel.set(run.model, { runs: 1, active: before.decision, proposed: after.decision });
    } else {
      model.runs++;
      model.active = kleeneOr(model.active, before.decision);
      model.proposed = kleeneOr(model.proposed, after.decision);
    }

    const row: WhatIfRun = {
      runId: run.runId,
      model: run.model,
      suite: run.suite.id,
      suiteVersion: run.suite.version,
      developer: run.developer,
      active: before.decision,
      proposed: after.decision,
      changed,
      margin: marginOf(proposedEstimate, proposed),
      estimate: proposedEstimate.estimate,
      interval: proposedEstimate.interval,
      errorRate: after.errorRate,
    };
    if (changed && options.explain === true) {
      row.reasons = { active: explainRun(run, active).reasons, proposed: explainRun(run, proposed).reasons };
    }
    rows.push(row);
  }

  const models: WhatIfModel[] = [];
  const modelCounts = { models: perModel.size, ...emptyCounts() };
  for (const name of [...perModel.keys()].sort()) {
    const m = perModel.get(name) as { runs: number; active: Decision; proposed: Decision };
    models.push({
      model: name,
      runs: m.runs,
      active: m.active,
      proposed: m.proposed,
      changed: m.active !== m.proposed,
    });
    tally(modelCounts, m.active, m.proposed);
  }

  return {
    active: { id: active.id, version: active.version },
    proposed: { id: proposed.id, version: proposed.version },
    runs: rows,
    models,
    summary: { ...summary, models: modelCounts },
  };
}

/** Zero counts of every decision. */
export function emptyDecisionCounts(): DecisionCounts {
  return { covered: 0, notCovered: 0, inconclusive: 0 };
}

/** Adds one decision to counts. */
export function countDecision(counts: DecisionCounts, decision: Decision): void {
  switch (decision) {
    case 'covered':
      counts.covered++;
      break;
    case 'not-covered':
      counts.notCovered++;
      break;
    case 'inconclusive':
      counts.inconclusive++;
      break;
  }
}

function emptyCounts(): WhatIfCounts {
  return {
    changed: 0,
    active: emptyDecisionCounts(),
    proposed: emptyDecisionCounts(),
    transitions: {
      'covered->not-covered': 0,
      'covered->inconclusive': 0,
      'not-covered->covered': 0,
      'not-covered->inconclusive': 0,
      'inconclusive->covered': 0,
      'inconclusive->not-covered': 0,
    },
  };
}

function tally(counts: WhatIfCounts, before: Decision, after: Decision): void {
  countDecision(counts.active, before);
  countDecision(counts.proposed, after);
  if (before !== after) {
    counts.changed++;
    counts.transitions[`${before}->${after}` as DecisionChange]++;
  }
}

/** (basis lower ? lower bound : estimate) − cutoff under the policy's metric; null without an estimate. */
function marginOf({ estimate, interval }: RunEstimate, policy: ResolvedPolicy): number | null {
  if (estimate === null) return null;
  if (policy.basis === 'point') return estimate - policy.cutoff;
  return interval === null ? null : interval[0] - policy.cutoff;
}
