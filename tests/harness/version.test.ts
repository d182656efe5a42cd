import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HARNESS_VERSION } from '../../harness/version.js';

describe('HARNESS_VERSION', () => {
  it('matches package.json, so runs record the version that produced them', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(HARNESS_VERSION).toBe(pkg.version);
  });
});
