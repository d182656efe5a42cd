/**
 * The operator's triage of a finding and the SSVC decision points derived from it.
 *
 * Each decision point takes the operator's value when triage set one; otherwise
 * - exploitation: `none` (no evidence reported);
 * - automatable: from the CVSS vector, `yes` when the attack needs no privileges, no user interaction and is
 *   launched over the network with low complexity (v3.x AV:N/AC:L/PR:N/UI:N; v4.0 also AT:N), else `no` (also
 *   without a vector). This follows CISA's guide, which ties Automatable to steps 1-4 of the kill chain;
 * - technical impact: from the CVSS vector, `total` when confidentiality, integrity and availability of the
 *   vulnerable system are all High (v3.x C:H/I:H/A:H; v4.0 VC:H/VI:H/VA:H), else `partial`;
 * - mission & well-being: CISA's table of Mission Prevalence, from the sectors of the affected participants
 *   (src/vuln/ssvc.ts `prevalenceFromSectors`), and Public Well-being Impact, triage's value or `minimal`.
 * Every derived value says where it came from, so the queue can explain it.
 */
import { RedlineError } from '../errors.js';
import type { CvssScore } from './cvss.js';
import {
  SSVC_VALUES,
  missionWellbeingFrom,
  prevalenceFromSectors,
  type Automatable,
  type Exploitation,
  type MissionPrevalence,
  type PublicWellbeing,
  type SsvcInputs,
  type TechnicalImpact,
} from './ssvc.js';

/** What the operator decided at triage; absent points are derived (see the module comment). */
export interface Triage {
  exploitation?: Exploitation;
  automatable?: Automatable;
  technicalImpact?: TechnicalImpact;
  publicWellbeing?: PublicWellbeing;
  /** Participants affected beyond the inventory matches (code findings have no package to match). */
  participants?: string[];
  note?: string;
}

/** Every Public Well-being Impact value. */
export const PUBLIC_WELLBEING_VALUES: readonly PublicWellbeing[] = ['minimal', 'material', 'irreversible'];

/** The SSVC decision points of a finding, with where each came from. */
export interface DerivedSsvcInputs {
  inputs: SsvcInputs;
  prevalence: MissionPrevalence;
  publicWellbeing: PublicWellbeing;
  /** Per decision point: "triage", "CVSS ...", "default" or the sectors. */
  sources: Record<keyof SsvcInputs, string>;
}

/** Checks a triage object's values (E_USAGE naming the field); returns it. */
export function checkTriage(triage: Triage): Triage {
  const check = (field: string, value: unknown, allowed: readonly string[]): void => {
    if (value !== undefined && !(typeof value === 'string' && allowed.includes(value))) {
      throw new RedlineError(
        'E_USAGE',
        `triage ${field} ${JSON.stringify(value)}: must be one of ${allowed.join(', ')}`,
      );
    }
  };
  check('exploitation', triage.exploitation, SSVC_VALUES.exploitation);
  check('automatable', triage.automatable, SSVC_VALUES.automatable);
  check('technical-impact', triage.technicalImpact, SSVC_VALUES.technicalImpact);
  check('public-wellbeing', triage.publicWellbeing, PUBLIC_WELLBEING_VALUES);
  return triage;
}

function metricsOf(cvss: CvssScore): Map<string, string> {
  const body = cvss.vector.slice(cvss.vector.indexOf('/') + 1);
  return new Map(body.split('/').map((part) => part.split(':') as [string, string]));
}

/**
 * The four SSVC decision points of a finding from its triage, CVSS score and the sectors of the participants it
 * affects.
 *
 * @example
 * deriveSsvcInputs({ exploitation: 'active' }, scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), ['energy']);
 * // inputs: {exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high'}
 */
export function deriveSsvcInputs(
  triage: Triage | null,
  cvss: CvssScore | null,
  sectors: readonly string[],
): DerivedSsvcInputs {
  const t = checkTriage(triage ?? {});
  const metrics = cvss === null ? undefined : metricsOf(cvss);
  const is = (name: string, value: string): boolean => metrics?.get(name) === value;

  let automatable: Automatable;
  let automatableFrom: string;
  if (t.automatable !== undefined) {
    automatable = t.automatable;
    automatableFrom = 'triage';
  } else if (metrics === undefined) {
    automatable = 'no';
    automatableFrom = 'default (no CVSS vector)';
  } else {
    const isV4 = cvss?.version === '4.0';
    const isEasy =
      is('AV', 'N') && is('AC', 'L') && is('PR', 'N') && is('UI', 'N') && (!isV4 || is('AT', 'N'));
    automatable = isEasy ? 'yes' : 'no';
    automatableFrom = `CVSS ${isV4 ? 'AV:N/AC:L/AT:N/PR:N/UI:N' : 'AV:N/AC:L/PR:N/UI:N'} ${isEasy ? 'met' : 'not met'}`;
  }

  let technicalImpact: TechnicalImpact;
  let technicalFrom: string;
  if (t.technicalImpact !== undefined) {
    technicalImpact = t.technicalImpact;
    technicalFrom = 'triage';
  } else if (metrics === undefined) {
    technicalImpact = 'partial';
    technicalFrom = 'default (no CVSS vector)';
  } else {
    const isV4 = cvss?.version === '4.0';
    const names = isV4 ? ['VC', 'VI', 'VA'] : ['C', 'I', 'A'];
    const isTotal = names.every((name) => is(name, 'H'));
    technicalImpact = isTotal ? 'total' : 'partial';
    technicalFrom = `CVSS ${names.map((n) => `${n}:H`).join('/')} ${isTotal ? 'met' : 'not met'}`;
  }

  const prevalence = prevalenceFromSectors(sectors);
  const publicWellbeing = t.publicWellbeing ?? 'minimal';
  const missionWellbeing = missionWellbeingFrom({ prevalence, publicWellbeing });
  const sectorList = [...new Set(sectors.map((s) => s.trim().toLowerCase()))].sort();
  return {
    inputs: {
      exploitation: t.exploitation ?? 'none',
      automatable,
      technicalImpact,
      missionWellbeing,
    },
    prevalence,
    publicWellbeing,
    sources: {
      exploitation: t.exploitation === undefined ? 'default (no evidence reported)' : 'triage',
      automatable: automatableFrom,
      technicalImpact: technicalFrom,
      missionWellbeing:
        `prevalence ${prevalence} (sectors: ${sectorList.length === 0 ? 'none affected' : sectorList.join(', ')}), ` +
        `public well-being ${publicWellbeing}${t.publicWellbeing === undefined ? ' (default)' : ' (triage)'}`,
    },
  };
}
