/**
 * mapComposeHealthcheck: a service's `healthcheck` as the one Redline awaits: its command, or the image's own
 * HEALTHCHECK, with a timeout as long as compose would wait before calling the service unhealthy.
 */
import type { ServiceHealthcheck } from '../schema/suite.js';
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** Compose's healthcheck defaults, in seconds. */
const HEALTH_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 };
const MAX_HEALTH_TIMEOUT_S = 600;

/** The healthcheck of a service, or undefined when it has none (or it is disabled, or not valid). */
export function mapComposeHealthcheck(
  ctx: ComposeContext,
  value: unknown,
  at: ComposePath,
): ServiceHealthcheck | undefined {
  if (!isRecord(value)) {
    ctx.problem(at, '`healthcheck` must be a mapping with `test`');
    return undefined;
  }
  if (value.disable === true) return undefined;
  const seconds: Partial<Record<'interval' | 'timeout' | 'startPeriod', number>> = {};
  let retries: number | undefined;
  let command: string | string[] | undefined;
  let isDisabled = false;
  for (const [key, raw] of Object.entries(value)) {
    const path = [...at, key];
    switch (key) {
      case 'test':
        if (Array.isArray(raw) && raw[0] === 'NONE') isDisabled = true;
        else command = healthTest(ctx, raw, path);
        break;
      case 'interval':
      case 'timeout':
      case 'start_period': {
        const s = typeof raw === 'string' ? durationSeconds(raw) : undefined;
        if (s === undefined) ctx.problem(path, `must be a duration such as "10s" or "1m30s"`);
        else seconds[key === 'start_period' ? 'startPeriod' : key] = s;
        break;
      }
      case 'retries':
        if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1) retries = raw;
        else ctx.problem(path, '`retries` must be a whole number of at least 1');
        break;
      case 'disable':
      case 'start_interval':
        break;
      default:
        ctx.problem(path, `healthcheck \`${key}\` is not supported: remove it`);
    }
  }
  if (isDisabled) return undefined;
  const isTimed = Object.keys(seconds).length > 0 || retries !== undefined;
  const d = { ...HEALTH_DEFAULTS, ...seconds, retries: retries ?? HEALTH_DEFAULTS.retries };
  // The longest compose would wait before calling the service unhealthy.
  const budget = d.startPeriod + d.retries * (d.interval + d.timeout);
  const timeout = isTimed ? { timeoutS: Math.min(MAX_HEALTH_TIMEOUT_S, Math.max(1, Math.ceil(budget))) } : {};
  if (command !== undefined) return { command, ...timeout };
  if (value.test !== undefined) return undefined;
  return isTimed ? { image: true, ...timeout } : undefined;
}

function healthTest(ctx: ComposeContext, raw: unknown, at: ComposePath): string | string[] | undefined {
  if (typeof raw === 'string') {
    const text = ctx.text(raw, at);
    return text === undefined || text.trim() === '' ? undefined : text;
  }
  if (Array.isArray(raw) && (raw[0] === 'CMD' || raw[0] === 'CMD-SHELL') && raw.length >= 2) {
    const words = raw.slice(1).map((w, i) => ctx.text(w, [...at, i + 1]));
    if (!words.every((w): w is string => w !== undefined)) return undefined;
    // CMD-SHELL runs its one string under /bin/sh -c, as a string healthcheck command does.
    return raw[0] === 'CMD' ? words : words.join(' ');
  }
  ctx.problem(at, '`test` must be a string, ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]');
  return undefined;
}

/** Seconds of a Go duration ("1m30s", "500ms"), or undefined. */
function durationSeconds(text: string): number | undefined {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  if (!/^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g))
    total += Number(n) * (unit[u ?? ''] ?? 0);
  return total;
}
