/**
 * Reads the policy named by --policy, or returns the built-in default.
 */
import { readFile } from 'node:fs/promises';
import { RedlineError } from '../../../src/errors.js';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import type { Policy } from '../../../src/schema/policy.js';

/** The policy in `file`, validated, or the built-in default when `file` is undefined. */
export async function loadPolicyOption(file: string | undefined): Promise<Policy> {
  if (file === undefined) return DEFAULT_POLICY;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read the policy file (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path given to --policy`,
    );
  }
  return parsePolicy(text, file);
}
