import { describe, expect, it } from 'vitest';
import { REDACTED, scrubSecrets, secretVariants } from '../../../src/endpoint/scrub-secrets.js';

describe('scrubSecrets', () => {
  it('replaces every occurrence, raw and URL-encoded', () => {
    const variants = secretVariants(['sk-a/b+c', undefined]);
    const out = scrubSecrets('bad key sk-a/b+c; url ?key=sk-a%2Fb%2Bc; again sk-a/b+c', variants);
    expect(out).toBe(`bad key ${REDACTED}; url ?key=${REDACTED}; again ${REDACTED}`);
  });

  it('ignores secrets too short to search for safely', () => {
    expect(secretVariants(['', 'abc'])).toEqual([]);
  });

  it('removes a secret that contains another one whole', () => {
    const out = scrubSecrets('token=abcdefgh', secretVariants(['abcd', 'abcdefgh']));
    expect(out).toBe(`token=${REDACTED}`);
  });
});
