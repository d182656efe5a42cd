import { describe, expect, it } from 'vitest';
import { isRedlineError, type Problem } from '../../../src/errors.js';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { applyPolicyDefaults, parsePolicy, validatePolicyValue } from '../../../src/policy/load-policy.js';

const minimal = { id: 'covered-frontier-cyber', version: 1, metric: 'mean', cutoff: 0.6, basis: 'lower' };

/** The problems of a policy that must fail with E_SCHEMA. */
function problemsOf(text: string, file = 'policy.json'): Problem[] {
  try {
    parsePolicy(text, file);
  } catch (error) {
    expect(isRedlineError(error, 'E_SCHEMA')).toBe(true);
    return (error as { details: { problems: Problem[] } }).details.problems;
  }
  throw new Error('expected E_SCHEMA');
}

function pointersOf(value: unknown): string[] {
  return problemsOf(JSON.stringify(value)).map((p) => p.pointer);
}

describe('parsePolicy', () => {
  it('reads the DESIGN §5 example and applies the defaults', () => {
    const policy = parsePolicy(JSON.stringify(minimal), 'policy.json');
    expect(policy).toEqual({ ...minimal, confidence: 0.95, rule: 'overall', maxErrorRate: 0 });
  });

  it('keeps explicit values and resolves each category basis from the policy', () => {
    const text = JSON.stringify({
      ...minimal,
      metric: 'weighted',
      basis: 'point',
      confidence: 0.9,
      rule: 'any',
      maxErrorRate: 0.02,
      description: 'test',
      categories: { exploitation: { cutoff: 0.5 }, 'web.sqli': { cutoff: 0.7, basis: 'lower' } },
    });
    expect(parsePolicy(text, 'p.json')).toEqual({
      ...minimal,
      metric: 'weighted',
      basis: 'point',
      confidence: 0.9,
      rule: 'any',
      maxErrorRate: 0.02,
      description: 'test',
      categories: {
        exploitation: { cutoff: 0.5, basis: 'point' },
        'web.sqli': { cutoff: 0.7, basis: 'lower' },
      },
    });
  });

  it('reads YAML for .yaml and .yml files', () => {
    const yaml = 'id: covered-frontier-cyber\nversion: 1\nmetric: mean\ncutoff: 0.6\nbasis: lower\n';
    expect(parsePolicy(yaml, 'policy.yaml')).toEqual(parsePolicy(JSON.stringify(minimal), 'policy.json'));
    expect(parsePolicy(yaml, 'policy.YML').id).toBe('covered-frontier-cyber');
  });

  it('accepts a $schema pointer for editors and a byte-order mark', () => {
    const text = '\uFEFF' + JSON.stringify({ $schema: './policy.schema.json', ...minimal });
    expect(parsePolicy(text, 'p.json')).not.toHaveProperty('$schema');
  });

  it.each([
    [{ ...minimal, cutoff: 1.5 }, '/cutoff'],
    [{ ...minimal, cutoff: -0.1 }, '/cutoff'],
    [{ ...minimal, cutoff: '0.6' }, '/cutoff'],
    [{ ...minimal, version: 0 }, '/version'],
    [{ ...minimal, version: 1.5 }, '/version'],
    [{ ...minimal, id: 'Covered' }, '/id'],
    [{ ...minimal, id: '-x' }, '/id'],
    [{ ...minimal, metric: 'median' }, '/metric'],
    [{ ...minimal, basis: 'upper' }, '/basis'],
    [{ ...minimal, confidence: 1 }, '/confidence'],
    [{ ...minimal, confidence: 0 }, '/confidence'],
    [{ ...minimal, maxErrorRate: 2 }, '/maxErrorRate'],
    [{ ...minimal, rule: 'some' }, '/rule'],
    [{ ...minimal, cutof: 0.6 }, '/cutof'],
    [
      { ...minimal, rule: 'any', categories: { exploitation: { cutoff: 2 } } },
      '/categories/exploitation/cutoff',
    ],
    [
      { ...minimal, rule: 'any', categories: { exploitation: { cutoff: 0.5, metric: 'mean' } } },
      '/categories/exploitation/metric',
    ],
    [
      { ...minimal, rule: 'any', categories: { exploitation: { cutoff: 0.5, basis: 'upper' } } },
      '/categories/exploitation/basis',
    ],
    [{ ...minimal, rule: 'any', categories: { exploitation: {} } }, '/categories/exploitation'],
    [{ ...minimal, rule: 'any', categories: { 'web/sqli': { cutoff: 0.5 } } }, '/categories/web~1sqli'],
    [{ ...minimal, rule: 'any', categories: {} }, '/categories'],
  ])('rejects %j with E_SCHEMA at %s', (value, pointer) => {
    expect(pointersOf(value)).toEqual([pointer]);
  });

  it('reports a missing required field at the document root, naming it', () => {
    const { cutoff: _omitted, ...rest } = minimal;
    const problems = problemsOf(JSON.stringify(rest));
    expect(problems).toEqual([expect.objectContaining({ file: 'policy.json', pointer: '' })]);
    expect(problems[0]?.message).toContain('cutoff');
  });

  it('reports every problem at once', () => {
    expect(pointersOf({ ...minimal, cutoff: 2, version: 0, extra: true }).sort()).toEqual([
      '/cutoff',
      '/extra',
      '/version',
    ]);
  });

  it('rejects rule any/all without categories, at /rule', () => {
    expect(pointersOf({ ...minimal, rule: 'any' })).toEqual(['/rule']);
    expect(pointersOf({ ...minimal, rule: 'all' })).toEqual(['/rule']);
  });

  it('rejects categories without an explicit rule (they would silently decide nothing)', () => {
    const problems = problemsOf(
      JSON.stringify({ ...minimal, categories: { exploitation: { cutoff: 0.5 } } }),
    );
    expect(problems.map((p) => p.pointer)).toEqual(['']);
    expect(problems[0]?.message).toContain('rule');
  });

  it('accepts categories with an explicit rule "overall" (reported, not deciding: DESIGN §5)', () => {
    const policy = parsePolicy(
      JSON.stringify({ ...minimal, rule: 'overall', categories: { x: { cutoff: 0.5 } } }),
      'p.json',
    );
    expect(policy.rule).toBe('overall');
    expect(policy.categories).toEqual({ x: { cutoff: 0.5, basis: 'lower' } });
  });

  it('rejects invalid JSON with E_SCHEMA, locating the line', () => {
    const problems = problemsOf('{\n  "id": "x",\n  "version": 1,\n}', 'p.json');
    expect(problems).toEqual([expect.objectContaining({ file: 'p.json', pointer: '', line: 4 })]);
  });

  it('rejects invalid YAML with E_SCHEMA, locating the line', () => {
    const problems = problemsOf('id: x\nversion: [1, 2\ncutoff: 3\n', 'p.yaml');
    expect(problems).toEqual([expect.objectContaining({ file: 'p.yaml', pointer: '', line: 3 })]);
  });

  it('rejects a document that is not an object', () => {
    expect(pointersOf([minimal])).toEqual(['']);
    expect(problemsOf('null').map((p) => p.pointer)).toEqual(['']);
  });

  it('names the file in the problems and the message', () => {
    try {
      parsePolicy(JSON.stringify({ ...minimal, cutoff: 9 }), 'policies/strict.json');
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_SCHEMA')).toBe(true);
      expect((error as Error).message).toContain('policies/strict.json');
      const { problems } = (error as { details: { problems: Problem[] } }).details;
      expect(problems[0]?.file).toBe('policies/strict.json');
    }
  });
});

describe('validatePolicyValue', () => {
  it('validates an already parsed value (e.g. stored with a run) and applies the defaults', () => {
    expect(validatePolicyValue(minimal, 'run x')).toEqual({
      ...minimal,
      confidence: 0.95,
      rule: 'overall',
      maxErrorRate: 0,
    });
    expect(() => validatePolicyValue({ ...minimal, basis: 'x' }, 'run x')).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA' }),
    );
  });
});

describe('applyPolicyDefaults', () => {
  it('is idempotent', () => {
    const once = applyPolicyDefaults({
      ...minimal,
      metric: 'mean',
      basis: 'lower',
      rule: 'any',
      categories: { x: { cutoff: 0.2 } },
    });
    expect(applyPolicyDefaults(once)).toEqual(once);
  });
});

describe('DEFAULT_POLICY', () => {
  it('has the documented values', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      id: 'redline-default',
      version: 1,
      metric: 'mean',
      cutoff: 0.6,
      basis: 'lower',
      confidence: 0.95,
      rule: 'overall',
      maxErrorRate: 0.05,
    });
  });

  it('is a valid policy file, and reads back unchanged', () => {
    expect(parsePolicy(JSON.stringify(DEFAULT_POLICY), 'default.json')).toEqual(DEFAULT_POLICY);
  });
});
