/**
 * `redline vuln ...`: the vulnerability clearinghouse of EO 14409 on the lab's store, keys, audit log and sandbox.
 * Participants claim scans, report findings and acknowledge advisories; operators triage, validate, prioritise,
 * register fixes, notify and publish.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';
import { registerVulnFindingCommands } from './vuln-findings.js';
import { registerVulnRemediationCommands } from './vuln-remediation.js';
import { registerVulnScanCommands } from './vuln-scan.js';

/** Registers `vuln` and its subcommands. */
export function registerVulnCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const vuln = program
    .command('vuln')
    .description(
      'The vulnerability clearinghouse: deconflicted scanning, validated findings, prioritised and sealed remediation.',
    );
  registerVulnScanCommands(vuln, io, exit);
  registerVulnFindingCommands(vuln, io, exit);
  registerVulnRemediationCommands(vuln, io, exit);
}
