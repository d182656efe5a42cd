/**
 * mapComposeEnvironment: a service's `environment` (mapping or KEY=VALUE list) as env variables. A variable whose
 * value would come from the host is a problem: Redline never reads the host's environment.
 */
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variables of `environment`, or undefined when it is neither a mapping nor a list. */
export function mapComposeEnvironment(
  ctx: ComposeContext,
  value: unknown,
  at: ComposePath,
): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  const set = (key: string, raw: unknown, path: ComposePath): void => {
    if (!ENV_NAME.test(key)) {
      ctx.problem(path, `environment variable name "${key}" is not valid: use letters, digits and "_"`);
      return;
    }
    if (raw === null || raw === undefined) {
      ctx.problem(path, `${key} takes its value from the host, which Redline never does: give its value`);
      return;
    }
    const text = ctx.text(raw, path);
    if (text !== undefined) env[key] = text;
  };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      if (typeof item !== 'string') {
        ctx.problem([...at, i], 'an `environment` entry must be a string KEY=VALUE');
        continue;
      }
      const eq = item.indexOf('=');
      set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), [...at, i]);
    }
  } else if (isRecord(value)) {
    for (const [key, raw] of Object.entries(value)) set(key, raw, [...at, key]);
  } else if (value !== null) {
    ctx.problem(at, '`environment` must be a mapping or a list of KEY=VALUE');
    return undefined;
  }
  return env;
}
