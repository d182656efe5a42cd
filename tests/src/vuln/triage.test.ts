import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { scoreCvss } from '../../../src/vuln/cvss.js';
import {
  PUBLIC_WELLBEING_VALUES,
  checkTriage,
  deriveSsvcInputs,
  type Triage,
} from '../../../src/vuln/triage.js';
import { codeOf } from '../../helpers/error-of.js';

const V3_EASY_TOTAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V4_EASY_TOTAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';

/** A v3.1 vector with one base metric changed from the easy, total-impact one. */
const v3With = (metric: string, value: string): string =>
  V3_EASY_TOTAL.replace(new RegExp(`/${metric}:[A-Z]`), `/${metric}:${value}`);
const v4With = (metric: string, value: string): string =>
  V4_EASY_TOTAL.replace(new RegExp(`/${metric}:[A-Z]`), `/${metric}:${value}`);

describe('deriveSsvcInputs: automatable', () => {
  it('is yes for a v3.1 vector with AV:N/AC:L/PR:N/UI:N', () => {
    const derived = deriveSsvcInputs(null, scoreCvss(V3_EASY_TOTAL), []);
    expect(derived.inputs.automatable).toBe('yes');
    expect(derived.sources.automatable).toBe('CVSS AV:N/AC:L/PR:N/UI:N met');
  });

  it.each([
    ['AV', 'A'],
    ['AV', 'L'],
    ['AC', 'H'],
    ['PR', 'L'],
    ['UI', 'R'],
  ])('is no for a v3.1 vector with %s:%s', (metric, value) => {
    const derived = deriveSsvcInputs(null, scoreCvss(v3With(metric, value)), []);
    expect(derived.inputs.automatable).toBe('no');
    expect(derived.sources.automatable).toBe('CVSS AV:N/AC:L/PR:N/UI:N not met');
  });

  it('reads a v3.0 vector like a v3.1 one', () => {
    const derived = deriveSsvcInputs(null, scoreCvss(V3_EASY_TOTAL.replace('3.1', '3.0')), []);
    expect(derived.inputs.automatable).toBe('yes');
    expect(derived.inputs.technicalImpact).toBe('total');
  });

  it('is yes for a v4.0 vector with AV:N/AC:L/AT:N/PR:N/UI:N', () => {
    const derived = deriveSsvcInputs(null, scoreCvss(V4_EASY_TOTAL), []);
    expect(derived.inputs.automatable).toBe('yes');
    expect(derived.sources.automatable).toBe('CVSS AV:N/AC:L/AT:N/PR:N/UI:N met');
  });

  it.each([
    ['AV', 'A'],
    ['AC', 'H'],
    ['AT', 'P'],
    ['PR', 'L'],
    ['UI', 'P'],
    ['UI', 'A'],
  ])('is no for a v4.0 vector with %s:%s', (metric, value) => {
    const derived = deriveSsvcInputs(null, scoreCvss(v4With(metric, value)), []);
    expect(derived.inputs.automatable).toBe('no');
    expect(derived.sources.automatable).toBe('CVSS AV:N/AC:L/AT:N/PR:N/UI:N not met');
  });

  it('is no by default without a vector', () => {
    const derived = deriveSsvcInputs(null, null, []);
    expect(derived.inputs.automatable).toBe('no');
    expect(derived.sources.automatable).toBe('default (no CVSS vector)');
  });

  it("takes triage's value over the vector", () => {
    const derived = deriveSsvcInputs({ automatable: 'no' }, scoreCvss(V3_EASY_TOTAL), []);
    expect(derived.inputs.automatable).toBe('no');
    expect(derived.sources.automatable).toBe('triage');
    expect(deriveSsvcInputs({ automatable: 'yes' }, null, []).inputs.automatable).toBe('yes');
  });
});

describe('deriveSsvcInputs: technical impact', () => {
  it('is total for v3.1 C:H/I:H/A:H', () => {
    const derived = deriveSsvcInputs(null, scoreCvss(V3_EASY_TOTAL), []);
    expect(derived.inputs.technicalImpact).toBe('total');
    expect(derived.sources.technicalImpact).toBe('CVSS C:H/I:H/A:H met');
  });

  it.each([
    ['C', 'L'],
    ['I', 'N'],
    ['A', 'L'],
  ])('is partial for v3.1 with %s:%s', (metric, value) => {
    const derived = deriveSsvcInputs(null, scoreCvss(v3With(metric, value)), []);
    expect(derived.inputs.technicalImpact).toBe('partial');
    expect(derived.sources.technicalImpact).toBe('CVSS C:H/I:H/A:H not met');
  });

  it('is total for v4.0 VC:H/VI:H/VA:H, whatever the subsequent-system impact', () => {
    const derived = deriveSsvcInputs(null, scoreCvss(V4_EASY_TOTAL), []);
    expect(derived.inputs.technicalImpact).toBe('total');
    expect(derived.sources.technicalImpact).toBe('CVSS VC:H/VI:H/VA:H met');
  });

  it.each([
    ['VC', 'L'],
    ['VI', 'N'],
    ['VA', 'L'],
  ])('is partial for v4.0 with %s:%s', (metric, value) => {
    const derived = deriveSsvcInputs(null, scoreCvss(v4With(metric, value)), []);
    expect(derived.inputs.technicalImpact).toBe('partial');
    expect(derived.sources.technicalImpact).toBe('CVSS VC:H/VI:H/VA:H not met');
  });

  it('does not count subsequent-system impact (SC/SI/SA) in v4.0', () => {
    const vector = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H';
    expect(deriveSsvcInputs(null, scoreCvss(vector), []).inputs.technicalImpact).toBe('partial');
  });

  it('is partial by default without a vector', () => {
    const derived = deriveSsvcInputs(null, null, []);
    expect(derived.inputs.technicalImpact).toBe('partial');
    expect(derived.sources.technicalImpact).toBe('default (no CVSS vector)');
  });

  it("takes triage's value over the vector", () => {
    const derived = deriveSsvcInputs({ technicalImpact: 'partial' }, scoreCvss(V4_EASY_TOTAL), []);
    expect(derived.inputs.technicalImpact).toBe('partial');
    expect(derived.sources.technicalImpact).toBe('triage');
  });
});

describe('deriveSsvcInputs: exploitation', () => {
  it('is none by default, with no evidence reported', () => {
    const derived = deriveSsvcInputs({}, null, []);
    expect(derived.inputs.exploitation).toBe('none');
    expect(derived.sources.exploitation).toBe('default (no evidence reported)');
  });

  it("takes triage's value", () => {
    const derived = deriveSsvcInputs({ exploitation: 'active' }, null, []);
    expect(derived.inputs.exploitation).toBe('active');
    expect(derived.sources.exploitation).toBe('triage');
  });
});

describe('deriveSsvcInputs: mission & well-being', () => {
  // CISA's table: prevalence (from sectors) x public well-being.
  const table: [string, string[], Triage['publicWellbeing'], string, string][] = [
    ['no sector', [], undefined, 'minimal', 'low'],
    ['no sector', [], 'material', 'minimal', 'medium'],
    ['no sector', [], 'irreversible', 'minimal', 'high'],
    ['another sector', ['retail'], undefined, 'support', 'medium'],
    ['another sector', ['retail'], 'material', 'support', 'medium'],
    ['another sector', ['retail'], 'irreversible', 'support', 'high'],
    ['an essential sector', ['energy'], undefined, 'essential', 'high'],
    ['an essential sector', ['retail', 'energy'], 'material', 'essential', 'high'],
    ['an essential sector', ['health'], 'irreversible', 'essential', 'high'],
  ];

  it.each(table)(
    '%s %j, public well-being %s -> prevalence %s, %s',
    (_, sectors, wellbeing, prevalence, mw) => {
      const triage: Triage = wellbeing === undefined ? {} : { publicWellbeing: wellbeing };
      const derived = deriveSsvcInputs(triage, null, sectors);
      expect(derived.prevalence).toBe(prevalence);
      expect(derived.publicWellbeing).toBe(wellbeing ?? 'minimal');
      expect(derived.inputs.missionWellbeing).toBe(mw);
    },
  );

  it('says which sectors and which well-being value it used, and where the latter came from', () => {
    expect(deriveSsvcInputs(null, null, []).sources.missionWellbeing).toBe(
      'prevalence minimal (sectors: none affected), public well-being minimal (default)',
    );
    expect(
      deriveSsvcInputs({ publicWellbeing: 'material' }, null, [' Retail', 'energy', 'retail ']).sources
        .missionWellbeing,
    ).toBe('prevalence essential (sectors: energy, retail), public well-being material (triage)');
  });

  it('compares sector names trimmed and lower-cased', () => {
    expect(deriveSsvcInputs(null, null, ['  ENERGY ']).prevalence).toBe('essential');
  });

  it('refuses an empty sector name with E_USAGE', () => {
    expect(codeOf(() => deriveSsvcInputs(null, null, ['  ']))).toBe('E_USAGE');
  });
});

describe('deriveSsvcInputs: all together', () => {
  it("follows the module's example", () => {
    const derived = deriveSsvcInputs({ exploitation: 'active' }, scoreCvss(V3_EASY_TOTAL), ['energy']);
    expect(derived.inputs).toEqual({
      exploitation: 'active',
      automatable: 'yes',
      technicalImpact: 'total',
      missionWellbeing: 'high',
    });
  });

  it('gives the same result for a null triage and an empty one', () => {
    const vector = scoreCvss(v3With('UI', 'R'));
    expect(deriveSsvcInputs(null, vector, ['water'])).toEqual(deriveSsvcInputs({}, vector, ['water']));
  });

  it('checks the triage it is given', () => {
    expect(codeOf(() => deriveSsvcInputs({ exploitation: 'rumoured' } as unknown as Triage, null, []))).toBe(
      'E_USAGE',
    );
  });
});

describe('checkTriage', () => {
  it('returns a valid triage unchanged, with or without optional fields', () => {
    const triage: Triage = {
      exploitation: 'public-poc',
      automatable: 'yes',
      technicalImpact: 'total',
      publicWellbeing: 'irreversible',
      participants: ['alpha-grid'],
      note: 'seen in the wild on 2026-01-02',
    };
    expect(checkTriage(triage)).toBe(triage);
    expect(checkTriage({})).toEqual({});
  });

  it('accepts every allowed public well-being value', () => {
    expect(PUBLIC_WELLBEING_VALUES).toEqual(['minimal', 'material', 'irreversible']);
    for (const publicWellbeing of PUBLIC_WELLBEING_VALUES) {
      expect(codeOf(() => checkTriage({ publicWellbeing }))).toBeUndefined();
    }
  });

  it.each([
    ['exploitation', { exploitation: 'poc' }],
    ['exploitation', { exploitation: 3 }],
    ['automatable', { automatable: 'maybe' }],
    ['automatable', { automatable: true }],
    ['technical-impact', { technicalImpact: 'Total' }],
    ['public-wellbeing', { publicWellbeing: 'severe' }],
    ['public-wellbeing', { publicWellbeing: null }],
  ])('refuses a bad %s with E_USAGE naming the field', (field, triage) => {
    let message = '';
    try {
      checkTriage(triage as unknown as Triage);
    } catch (error) {
      expect(isRedlineError(error) && error.code).toBe('E_USAGE');
      message = (error as Error).message;
    }
    expect(message).toContain(`triage ${field} `);
  });
});
