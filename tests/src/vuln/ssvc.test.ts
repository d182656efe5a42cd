import { describe, expect, it } from 'vitest';
import {
  decideSsvc,
  missionWellbeingFrom,
  prevalenceFromSectors,
  type Automatable,
  type Exploitation,
  type MissionPrevalence,
  type MissionWellbeing,
  type PublicWellbeing,
  type SsvcDecision,
  type SsvcInputs,
  type TechnicalImpact,
} from '../../../src/vuln/ssvc.js';
import { codeOf } from '../../helpers/error-of.js';

// CISA, "Stakeholder-Specific Vulnerability Categorization Guide" (November 2022), "Decision Tree", read leaf by
// leaf; the same rows as CERT/CC's SSVC data table data/csv/cisa/cisa_coordinator_2_0_3.csv (rows 0-35).
// Columns: exploitation, automatable, technical impact, mission & well-being, decision.
const CISA_TREE: readonly (readonly [
  Exploitation,
  Automatable,
  TechnicalImpact,
  MissionWellbeing,
  SsvcDecision,
])[] = [
  ['none', 'no', 'partial', 'low', 'track'],
  ['none', 'no', 'partial', 'medium', 'track'],
  ['none', 'no', 'partial', 'high', 'track'],
  ['none', 'no', 'total', 'low', 'track'],
  ['none', 'no', 'total', 'medium', 'track'],
  ['none', 'no', 'total', 'high', 'track*'],
  ['none', 'yes', 'partial', 'low', 'track'],
  ['none', 'yes', 'partial', 'medium', 'track'],
  ['none', 'yes', 'partial', 'high', 'attend'],
  ['none', 'yes', 'total', 'low', 'track'],
  ['none', 'yes', 'total', 'medium', 'track'],
  ['none', 'yes', 'total', 'high', 'attend'],
  ['public-poc', 'no', 'partial', 'low', 'track'],
  ['public-poc', 'no', 'partial', 'medium', 'track'],
  ['public-poc', 'no', 'partial', 'high', 'track*'],
  ['public-poc', 'no', 'total', 'low', 'track'],
  ['public-poc', 'no', 'total', 'medium', 'track*'],
  ['public-poc', 'no', 'total', 'high', 'attend'],
  ['public-poc', 'yes', 'partial', 'low', 'track'],
  ['public-poc', 'yes', 'partial', 'medium', 'track'],
  ['public-poc', 'yes', 'partial', 'high', 'attend'],
  ['public-poc', 'yes', 'total', 'low', 'track'],
  ['public-poc', 'yes', 'total', 'medium', 'track*'],
  ['public-poc', 'yes', 'total', 'high', 'attend'],
  ['active', 'no', 'partial', 'low', 'track'],
  ['active', 'no', 'partial', 'medium', 'track'],
  ['active', 'no', 'partial', 'high', 'attend'],
  ['active', 'no', 'total', 'low', 'track'],
  ['active', 'no', 'total', 'medium', 'attend'],
  ['active', 'no', 'total', 'high', 'act'],
  ['active', 'yes', 'partial', 'low', 'attend'],
  ['active', 'yes', 'partial', 'medium', 'attend'],
  ['active', 'yes', 'partial', 'high', 'act'],
  ['active', 'yes', 'total', 'low', 'attend'],
  ['active', 'yes', 'total', 'medium', 'act'],
  ['active', 'yes', 'total', 'high', 'act'],
];

// CISA guide, "Mission & Well-being Impact" table: prevalence, public well-being, mission & well-being.
const MISSION_TABLE: readonly (readonly [MissionPrevalence, PublicWellbeing, MissionWellbeing])[] = [
  ['minimal', 'minimal', 'low'],
  ['minimal', 'material', 'medium'],
  ['minimal', 'irreversible', 'high'],
  ['support', 'minimal', 'medium'],
  ['support', 'material', 'medium'],
  ['support', 'irreversible', 'high'],
  ['essential', 'minimal', 'high'],
  ['essential', 'material', 'high'],
  ['essential', 'irreversible', 'high'],
];

describe('decideSsvc', () => {
  it('has a transcribed row for every one of the 36 combinations, once each', () => {
    const keys = new Set(CISA_TREE.map((row) => row.slice(0, 4).join('|')));
    expect(CISA_TREE).toHaveLength(36);
    expect(keys.size).toBe(36);
  });

  it.each(CISA_TREE)('%s / automatable %s / %s / mission %s → %s', (e, a, t, m, expected) => {
    const outcome = decideSsvc({ exploitation: e, automatable: a, technicalImpact: t, missionWellbeing: m });
    expect(outcome.decision).toBe(expected);
    expect(outcome.inputs).toEqual({
      exploitation: e,
      automatable: a,
      technicalImpact: t,
      missionWellbeing: m,
    });
  });

  it('lists every decision point value and the decision in the explanation', () => {
    const { explanation } = decideSsvc({
      exploitation: 'public-poc',
      automatable: 'no',
      technicalImpact: 'total',
      missionWellbeing: 'medium',
    });
    for (const part of ['public-poc', 'no', 'total', 'medium', 'track*']) expect(explanation).toContain(part);
  });

  it.each([
    { exploitation: 'poc', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'low' },
    { exploitation: 'none', automatable: 'maybe', technicalImpact: 'total', missionWellbeing: 'low' },
    { exploitation: 'none', automatable: 'no', technicalImpact: 'full', missionWellbeing: 'low' },
    { exploitation: 'none', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'very high' },
    { exploitation: 'none', automatable: 'no', technicalImpact: 'total' },
  ])('rejects an unknown value as E_USAGE (%o)', (inputs) => {
    expect(codeOf(() => decideSsvc(inputs as unknown as SsvcInputs))).toBe('E_USAGE');
  });
});

describe('missionWellbeingFrom', () => {
  it.each(MISSION_TABLE)(
    'prevalence %s, public well-being %s → %s',
    (prevalence, publicWellbeing, expected) => {
      expect(missionWellbeingFrom({ prevalence, publicWellbeing })).toBe(expected);
    },
  );

  it('rejects an unknown value as E_USAGE', () => {
    const bad = { prevalence: 'crucial', publicWellbeing: 'minimal' } as unknown as {
      prevalence: MissionPrevalence;
      publicWellbeing: PublicWellbeing;
    };
    expect(codeOf(() => missionWellbeingFrom(bad))).toBe('E_USAGE');
  });
});

describe('prevalenceFromSectors (Redline mapping)', () => {
  it('is minimal when no sector is named', () => {
    expect(prevalenceFromSectors([])).toBe('minimal');
  });

  it.each([
    ['energy'],
    ['water'],
    ['health'],
    ['finance'],
    ['communications'],
    ['transport'],
    ['government'],
  ])('is essential for the critical-infrastructure sector %s', (sector) => {
    expect(prevalenceFromSectors([sector])).toBe('essential');
  });

  it('is essential when any sector is essential, whatever the others', () => {
    expect(prevalenceFromSectors(['retail', 'education', 'ai-provider'])).toBe('essential');
  });

  it('is support when only non-essential sectors are named', () => {
    expect(prevalenceFromSectors(['retail', 'education'])).toBe('support');
  });

  it('compares names trimmed and case-insensitively', () => {
    expect(prevalenceFromSectors([' Energy '])).toBe('essential');
  });

  it('reads spaces and underscores as "-", so "AI provider" is ai-provider', () => {
    expect(prevalenceFromSectors(['AI provider'])).toBe('essential');
    expect(prevalenceFromSectors(['Emergency  services'])).toBe('essential');
    expect(prevalenceFromSectors(['emergency_services'])).toBe('essential');
  });

  it('rejects an empty sector name as E_USAGE, even after an essential one', () => {
    expect(codeOf(() => prevalenceFromSectors(['energy', '  ']))).toBe('E_USAGE');
  });
});
