/**
 * Reads a designation policy (DESIGN.md §5) from text: JSON, or YAML for `.yaml`/`.yml` files, then validates it
 * and applies the defaults (validate-policy.ts, re-exported here).
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { throwProblems, validatePolicyValue, type ResolvedPolicy } from './validate-policy.js';

export {
  applyPolicyDefaults,
  checkPolicySemantics,
  validatePolicyValue,
  type ResolvedPolicy,
} from './validate-policy.js';

/**
 * Parses and validates a policy file's text; throws E_SCHEMA with `details.problems` (Problem[], located by JSON
 * pointer in `file`) when it is not valid JSON/YAML or not a valid policy.
 *
 * @example
 * const policy = parsePolicy(await readFile('policy.json', 'utf8'), 'policy.json');
 */
export function parsePolicy(text: string, file: string): ResolvedPolicy {
  let value: unknown;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/\.ya?ml$/i.test(file)) {
    try {
      value = parseYaml(body);
    } catch (error) {
      const line = error instanceof YAMLParseError ? error.linePos?.[0].line : undefined;
      const reason = (error as Error).message.split('\n')[0] ?? 'syntax error';
      throwProblems(file, [
        { file, ...(line === undefined ? {} : { line }), pointer: '', message: `not valid YAML: ${reason}` },
      ]);
    }
  } else {
    try {
      value = JSON.parse(body);
    } catch (error) {
      const line = lineOfJsonError(body, (error as Error).message);
      throwProblems(file, [
        {
          file,
          ...(line === undefined ? {} : { line }),
          pointer: '',
          message: `not valid JSON: ${(error as Error).message}`,
        },
      ]);
    }
  }
  return validatePolicyValue(value, file);
}

/** The 1-based line of a JSON.parse error that names a position, if it does. */
function lineOfJsonError(text: string, message: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  if (match === null) return undefined;
  const position = Number(match[1]);
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
