import { describe, expect, it } from 'vitest';
import * as redline from '../../src/index.js';

describe('the public API (src/index.ts)', () => {
  it('exports the entry points a lab scripts against, each a function or a schema', () => {
    for (const name of [
      'openSuite',
      'validateSuite',
      'sealSuite',
      'openSealedSuite',
      'scoreOutput',
      'summarizeScores',
      'designate',
      'openStore',
      'buildReport',
      'buildAssessment',
      'sealStatement',
      'openStatement',
      'verifyAudit',
      'signFile',
      'verifyFileSignature',
    ] as const) {
      expect(typeof redline[name], name).toBe('function');
    }
    expect(redline.SuiteFile.type).toBe('object');
    expect(redline.DEFAULT_POLICY.id).toBe('redline-default');
  });
});
