/**
 * CISA's Stakeholder-Specific Vulnerability Categorization (SSVC) decision tree, as published in CISA's
 * "Stakeholder-Specific Vulnerability Categorization Guide" (November 2022): four decision points lead to one
 * of Track, Track*, Attend or Act. The same tree is CERT/CC's `cisa_coordinator_2_0_3` decision table.
 *
 * Also the guide's Mission & Well-being table, and Redline's own mapping from the sectors of affected
 * participants to Mission Prevalence (not part of CISA's guide).
 */
import { RedlineError } from '../errors.js';

/** (State of) Exploitation: no evidence, a public proof of concept, or active exploitation. */
export type Exploitation = 'none' | 'public-poc' | 'active';

/** Automatable: can an attacker reliably automate steps 1-4 of the kill chain (recon to exploitation)? */
export type Automatable = 'no' | 'yes';

/** Technical Impact: partial or total control of, or information exposure from, the affected component. */
export type TechnicalImpact = 'partial' | 'total';

/** Mission & Well-being Impact (combined from Mission Prevalence and Public Well-being Impact). */
export type MissionWellbeing = 'low' | 'medium' | 'high';

/** Mission Prevalence: how the affected product is used by the mission essential functions. */
export type MissionPrevalence = 'minimal' | 'support' | 'essential';

/** Public Well-being Impact: the effect on humans of exploitation. */
export type PublicWellbeing = 'minimal' | 'material' | 'irreversible';

/** CISA's SSVC decisions, from least to most urgent. */
export type SsvcDecision = 'track' | 'track*' | 'attend' | 'act';

/** The four decision points of CISA's tree. */
export interface SsvcInputs {
  exploitation: Exploitation;
  automatable: Automatable;
  technicalImpact: TechnicalImpact;
  missionWellbeing: MissionWellbeing;
}

/** A decision with the path through the tree that led to it. */
export interface SsvcOutcome {
  decision: SsvcDecision;
  inputs: SsvcInputs;
  /** One line: every decision point with its value, then the decision. */
  explanation: string;
}

type Leaves = Readonly<Record<MissionWellbeing, SsvcDecision>>;

/**
 * CISA's SSVC tree (guide, "Decision Tree", November 2022): exploitation → automatable → technical impact →
 * mission & well-being → decision. The Record types make every one of the 36 leaves present exactly once.
 */
export const CISA_SSVC_TREE: Readonly<
  Record<Exploitation, Record<Automatable, Record<TechnicalImpact, Leaves>>>
> = {
  none: {
    no: {
      partial: { low: 'track', medium: 'track', high: 'track' },
      total: { low: 'track', medium: 'track', high: 'track*' },
    },
    yes: {
      partial: { low: 'track', medium: 'track', high: 'attend' },
      total: { low: 'track', medium: 'track', high: 'attend' },
    },
  },
  'public-poc': {
    no: {
      partial: { low: 'track', medium: 'track', high: 'track*' },
      total: { low: 'track', medium: 'track*', high: 'attend' },
    },
    yes: {
      partial: { low: 'track', medium: 'track', high: 'attend' },
      total: { low: 'track', medium: 'track*', high: 'attend' },
    },
  },
  active: {
    no: {
      partial: { low: 'track', medium: 'track', high: 'attend' },
      total: { low: 'track', medium: 'attend', high: 'act' },
    },
    yes: {
      partial: { low: 'attend', medium: 'attend', high: 'act' },
      total: { low: 'attend', medium: 'act', high: 'act' },
    },
  },
};

/** CISA's guide, "Mission & Well-being Impact" table: prevalence (rows) × public well-being (columns). */
const MISSION_WELLBEING: Readonly<
  Record<MissionPrevalence, Readonly<Record<PublicWellbeing, MissionWellbeing>>>
> = {
  minimal: { minimal: 'low', material: 'medium', irreversible: 'high' },
  support: { minimal: 'medium', material: 'medium', irreversible: 'high' },
  essential: { minimal: 'high', material: 'high', irreversible: 'high' },
};

/** Every value of each decision point, in the order the tree lists them. */
export const SSVC_VALUES = {
  exploitation: ['none', 'public-poc', 'active'],
  automatable: ['no', 'yes'],
  technicalImpact: ['partial', 'total'],
  missionWellbeing: ['low', 'medium', 'high'],
} as const satisfies { [K in keyof SsvcInputs]: readonly SsvcInputs[K][] };

function checkValue<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new RedlineError('E_USAGE', `SSVC ${name} "${String(value)}": must be one of ${allowed.join(', ')}`);
}

/**
 * CISA's SSVC decision for the four decision points, with the path as a one-line explanation. E_USAGE for a
 * value outside a decision point's set.
 *
 * @example
 * decideSsvc({exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'medium'});
 * // {decision: 'act', explanation: 'exploitation active > automatable yes > technical impact total > ...'}
 */
export function decideSsvc(inputs: SsvcInputs): SsvcOutcome {
  const checked: SsvcInputs = {
    exploitation: checkValue('exploitation', inputs.exploitation, SSVC_VALUES.exploitation),
    automatable: checkValue('automatable', inputs.automatable, SSVC_VALUES.automatable),
    technicalImpact: checkValue('technicalImpact', inputs.technicalImpact, SSVC_VALUES.technicalImpact),
    missionWellbeing: checkValue('missionWellbeing', inputs.missionWellbeing, SSVC_VALUES.missionWellbeing),
  };
  const decision =
    CISA_SSVC_TREE[checked.exploitation][checked.automatable][checked.technicalImpact][
      checked.missionWellbeing
    ];
  const explanation =
    `exploitation ${checked.exploitation} > automatable ${checked.automatable} > ` +
    `technical impact ${checked.technicalImpact} > mission & well-being ${checked.missionWellbeing} ` +
    `=> ${decision} (CISA SSVC)`;
  return { decision, inputs: checked, explanation };
}

/** Mission & Well-being Impact from Mission Prevalence and Public Well-being Impact, per CISA's guide. */
export function missionWellbeingFrom(input: {
  prevalence: MissionPrevalence;
  publicWellbeing: PublicWellbeing;
}): MissionWellbeing {
  const prevalence = checkValue('prevalence', input.prevalence, ['minimal', 'support', 'essential'] as const);
  const wellbeing = checkValue('publicWellbeing', input.publicWellbeing, [
    'minimal',
    'material',
    'irreversible',
  ] as const);
  return MISSION_WELLBEING[prevalence][wellbeing];
}

/**
 * Sectors whose affected participants make a product mission-essential. Redline's choice, not CISA's: critical
 * infrastructure in which a frontier-model compromise could stop an essential function.
 */
export const ESSENTIAL_SECTORS: readonly string[] = [
  'energy',
  'water',
  'health',
  'finance',
  'communications',
  'transport',
  'government',
  'emergency-services',
  'nuclear',
  'ai-provider',
];

/**
 * Mission Prevalence from the sectors of the affected participants. Redline's mapping, not CISA's: any sector
 * in {@link ESSENTIAL_SECTORS} → 'essential'; any other named sector → 'support'; no sector → 'minimal'. Names
 * are compared trimmed, lower-cased, with runs of spaces and underscores as one "-" ("AI provider" is
 * "ai-provider"); an empty name is E_USAGE.
 */
export function prevalenceFromSectors(sectors: readonly string[]): MissionPrevalence {
  const names = sectors.map((sector) => {
    const name =
      typeof sector === 'string'
        ? sector
            .trim()
            .toLowerCase()
            .replace(/[\s_]+/g, '-')
        : '';
    if (name === '') {
      throw new RedlineError('E_USAGE', `sector ${JSON.stringify(sector)}: must be a non-empty sector name`);
    }
    return name;
  });
  if (names.some((name) => ESSENTIAL_SECTORS.includes(name))) return 'essential';
  return names.length > 0 ? 'support' : 'minimal';
}
