/**
 * The host firewall rule that keeps sandboxes off the host: an internal Docker network has no route out, but the
 * host still answers on its own addresses (the bridge gateway, docker0, any 0.0.0.0 listener). Every network
 * Redline creates uses a bridge named rl*, and one INPUT rule drops what arrives from those bridges.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { RedlineError } from '../../src/errors.js';

const run = promisify(execFile);

/** The rule, as iptables arguments after the -C/-I verb. */
export const HOST_ISOLATION_RULE = ['INPUT', '-i', 'rl+', '-j', 'DROP'] as const;

const TOOLS = [
  ['/usr/sbin/iptables', true],
  ['/usr/sbin/ip6tables', false],
] as const;

async function hasRule(tool: string): Promise<boolean> {
  try {
    await run(tool, ['-w', '-C', ...HOST_ISOLATION_RULE]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the INPUT rule for IPv4 (required) and IPv6 (when ip6tables works) unless present. E_STATE, saying what
 * to run, when the rule cannot be installed: without it a sandbox could reach services on the host.
 */
export async function ensureHostIsolation(): Promise<void> {
  for (const [tool, isRequired] of TOOLS) {
    if (!existsSync(tool)) {
      if (isRequired) {
        throw new RedlineError(
          'E_STATE',
          `docker sandbox: ${tool} not found: install the Debian package iptables`,
        );
      }
      continue;
    }
    if (await hasRule(tool)) continue;
    try {
      await run(tool, ['-w', '-I', ...HOST_ISOLATION_RULE]);
    } catch (error) {
      if (!isRequired) continue;
      throw new RedlineError(
        'E_STATE',
        `docker sandbox: cannot install the host firewall rule (${(error as Error).message.trim()}); as root run ` +
          `"iptables -I ${HOST_ISOLATION_RULE.join(' ')}" once, or run Redline as root`,
      );
    }
  }
}
