/**
 * `redline vuln report|reproducer|list|show|triage|validate|reject|duplicate|queue`: findings intake (OSV, SARIF),
 * duplicate merging, the validation lifecycle with sandboxed reproducers, and the prioritised queue.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { RedlineError } from '../../../src/errors.js';
import type { Db } from '../../../src/store/open-store.js';
import {
  addReporter,
  appendFindingEvent,
  findByFingerprint,
  getFinding,
  insertFinding,
  insertValidation,
  listFindingEvents,
  listFindings,
  listReporters,
  listValidations,
  moveFinding,
  setReproducer,
  setTriage,
  updateFindingContent,
  type StoredFinding,
} from '../../../src/store/vuln-findings.js';
import { listInventory, listNotifications } from '../../../src/store/vuln-participation.js';
import { findAffectedParticipants } from '../../../src/vuln/affected.js';
import { buildQueue, type QueueItem } from '../../../src/vuln/build-queue.js';
import { scoreCvss } from '../../../src/vuln/cvss.js';
import type { Finding } from '../../../src/vuln/finding.js';
import { fingerprintFinding, mergeFindings } from '../../../src/vuln/fingerprint.js';
import {
  FINDING_STATES,
  checkFindingMove,
  checkReproducerChange,
  isOpenState,
  type FindingState,
} from '../../../src/vuln/lifecycle.js';
import { parseOsv } from '../../../src/vuln/parse-osv.js';
import { parseSarif } from '../../../src/vuln/parse-sarif.js';
import {
  deathSignal,
  reproducerDigest,
  type Reproducer,
  type ReproductionTranscript,
} from '../../../src/vuln/reproducer.js';
import { SSVC_VALUES } from '../../../src/vuln/ssvc.js';
import { PUBLIC_WELLBEING_VALUES, checkTriage, type Triage } from '../../../src/vuln/triage.js';
import { listKeyring } from '../../../src/crypto/keyring.js';
import { verifyFileSignature } from '../../../src/crypto/minisign-signature.js';
import { loadReproducer } from '../../vuln/load-reproducer.js';
import { readInputFile } from '../user-files.js';
import { runReproducer } from '../../vuln/run-reproducer.js';
import { commitChange } from '../commit-change.js';
import { nowOf, type CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir, parseCommaList } from '../options.js';
import type { ExitHolder } from '../program.js';
import { participantSectors, requireActor } from '../vuln-actor.js';

const DB_HELP = 'clearinghouse database (default ./redline.db, env REDLINE_DB)';
const KEYS_HELP = 'keyring directory (default ./keys, env REDLINE_KEYS)';

/** What happened to one finding of a report. */
interface IntakeOutcome {
  id: string;
  outcome: 'new' | 'merged' | 'already-reported';
  state: FindingState;
  title: string;
  fingerprint: string;
  reporters: string[];
}

/** Reads a finding file: OSV (one record or an array) or SARIF 2.1.0, told apart by shape unless `format` says. */
export function readFindingFile(
  file: string,
  format: 'osv' | 'sarif' | undefined,
): {
  findings: Finding[];
  sha256: string;
  bytes: Uint8Array;
  format: 'osv' | 'sarif';
} {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
    );
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let detected = format;
  if (detected === undefined) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RedlineError(
        'E_MALFORMED',
        `${file}: not JSON (${(error as Error).message}); expected an OSV record or a SARIF 2.1.0 log`,
      );
    }
    const isSarif = typeof value === 'object' && value !== null && !Array.isArray(value) && 'runs' in value;
    const isOsv =
      Array.isArray(value) ||
      (typeof value === 'object' && value !== null && ('id' in value || 'modified' in value));
    if (!isSarif && !isOsv) {
      throw new RedlineError(
        'E_MALFORMED',
        `${file}: neither an OSV record (no "id") nor a SARIF log (no "runs"); pass --format osv|sarif to be told what is wrong`,
      );
    }
    detected = isSarif ? 'sarif' : 'osv';
  }
  const findings = detected === 'sarif' ? parseSarif(text, file) : parseOsv(text, file);
  const problems = findings.flatMap((finding, index) => {
    if (finding.cvssVector === null) return [];
    try {
      scoreCvss(finding.cvssVector);
      return [];
    } catch (error) {
      return [`  finding ${index} (${finding.sourceId}): ${(error as Error).message}`];
    }
  });
  if (problems.length > 0) {
    throw new RedlineError(
      'E_SCHEMA',
      `${file}: CVSS vectors that cannot be scored:\n${problems.join('\n')}`,
    );
  }
  return { findings, sha256, bytes, format: detected };
}

/** How a reproducer run ended, in words: exit code, the signal it died of (exit 128+N or a signal), timeout. */
function describeEnd(t: ReproductionTranscript): string {
  if (t.timedOut) return 'timed out (killed)';
  const signal = deathSignal(t);
  return `exit ${t.exitCode ?? '-'}${signal === null ? '' : ` (died of ${signal})`}`;
}

function affectedOf(db: Db, stored: StoredFinding): string[] {
  return findAffectedParticipants(stored.finding, listInventory(db), stored.triage?.participants ?? []);
}

/** Registers the findings commands under `vuln`. */
export function registerVulnFindingCommands(vuln: Command, io: CliIo, exit: ExitHolder): void {
  vuln
    .command('report')
    .description(
      'Report findings from an OSV JSON or SARIF 2.1.0 file; duplicates merge (both reporters credited). Nothing is stored when the file is malformed.',
    )
    .argument('<file>', 'OSV record(s) or SARIF log')
    .requiredOption('--participant <id>', 'the reporting participant (keyring role participant)')
    .addOption(
      new Option('--format <format>', 'the file format (default: told from its shape)').choices([
        'osv',
        'sarif',
      ]),
    )
    .option('--reproducer <manifest>', 'a reproducer.json for the (single) finding of the file')
    .option(
      '--signature <minisig>',
      "the participant's minisign signature of FILE (redline sign FILE --identity P.key): checked against their key",
    )
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .option('--json', 'print an array of {id, outcome, state, title, fingerprint, reporters}')
    .action(
      (
        file: string,
        flags: {
          participant: string;
          format?: 'osv' | 'sarif';
          reproducer?: string;
          signature?: string;
          db?: string;
          keys?: string;
          json?: boolean;
        },
      ) => {
        const dir = keysDir(flags.keys, io);
        const reporterKey = requireActor(dir, flags.participant, ['participant'], '--participant');
        const read = readFindingFile(file, flags.format);
        // A signed report is authenticated, not only attributed: the file is the one the participant signed.
        if (flags.signature !== undefined) {
          verifyFileSignature(read.bytes, readInputFile(flags.signature), reporterKey.signing);
        }
        let reproducer: Reproducer | undefined;
        if (flags.reproducer !== undefined) {
          if (read.findings.length !== 1) {
            throw new RedlineError(
              'E_USAGE',
              `--reproducer needs a file with exactly one finding (${file} has ${read.findings.length}); attach it later with "redline vuln reproducer ID MANIFEST"`,
            );
          }
          reproducer = loadReproducer(flags.reproducer);
        }
        const at = nowOf(io).toISOString();
        const outcomes = commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
          const result = read.findings.map((incoming) => {
            const fingerprint = fingerprintFinding(incoming);
            const reporter = {
              participant: flags.participant,
              source: incoming.source,
              sourceId: incoming.sourceId,
              fileSha256: read.sha256,
              reportedAt: at,
            };
            const existing = findByFingerprint(db, fingerprint);
            let id: string;
            let outcome: IntakeOutcome['outcome'];
            if (existing === undefined) {
              id = insertFinding(db, { finding: incoming, fingerprint, reporter });
              outcome = 'new';
            } else {
              id = existing.id;
              const reporters = listReporters(db, id).map((r) => r.participant);
              const merged = mergeFindings(
                { finding: existing.finding, reporters },
                { finding: incoming, reporters: [flags.participant] },
              );
              updateFindingContent(db, id, merged.record.finding, at);
              const isNew = addReporter(db, id, reporter);
              outcome = isNew ? 'merged' : 'already-reported';
              appendFindingEvent(db, id, {
                at,
                actor: flags.participant,
                fromState: existing.state,
                toState: existing.state,
                evidence: {
                  event: outcome,
                  source: incoming.source,
                  sourceId: incoming.sourceId,
                  fileSha256: read.sha256,
                },
              });
            }
            if (reproducer !== undefined) {
              checkReproducerChange(id, existing?.state ?? 'reported');
              setReproducer(db, id, reproducer, at);
            }
            const stored = getFinding(db, id);
            return {
              id,
              outcome,
              state: stored.state,
              title: stored.finding.title,
              fingerprint,
              reporters: listReporters(db, id).map((r) => r.participant),
            };
          });
          return {
            result,
            audit: result.map((o) => ({
              type: 'vuln.reported' as const,
              data: {
                findingId: o.id,
                participant: flags.participant,
                outcome: o.outcome,
                fingerprint: o.fingerprint,
                format: read.format,
                fileSha256: read.sha256,
                ...(reproducer === undefined ? {} : { reproducer: true }),
                signed: flags.signature !== undefined,
              },
            })),
          };
        });
        if (flags.json === true) io.stdout(`${JSON.stringify(outcomes, null, 2)}\n`);
        else {
          io.stdout(
            `${file}: ${read.format.toUpperCase()}, ${outcomes.length} finding(s)` +
              `${flags.signature === undefined ? '' : `, signature of ${flags.participant} verified`}\n`,
          );
          for (const o of outcomes) {
            const credit = o.reporters.length > 1 ? ` (reporters: ${o.reporters.join(', ')})` : '';
            const closed =
              o.state === 'rejected' || o.state === 'duplicate'
                ? ` [closed earlier as ${o.state}: see "redline vuln show ${o.id}"]`
                : '';
            io.stdout(
              `  ${o.id.padEnd(14)} ${o.outcome.padEnd(16)} ${o.state.padEnd(9)} ${o.title}${credit}${closed}\n`,
            );
          }
        }
        exit.code = 0;
      },
    );

  vuln
    .command('reproducer')
    .description('Attach a reproducer (files + command + expected signal) to a finding you reported.')
    .argument('<id>', 'the finding, RLV-<year>-<n>')
    .argument('<manifest>', 'reproducer.json (see the README)')
    .requiredOption('--participant <id>', 'the acting participant: a reporter of the finding, or an operator')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((id: string, manifest: string, flags: { participant: string; db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      const actor = requireActor(dir, flags.participant, ['participant', 'operator'], '--participant');
      const reproducer = loadReproducer(manifest);
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const stored = getFinding(db, id);
        if (
          actor.entry.role === 'participant' &&
          !listReporters(db, id).some((r) => r.participant === flags.participant)
        ) {
          throw new RedlineError(
            'E_ACCESS',
            `${flags.participant} did not report ${id}: only its reporters or an operator attach a reproducer`,
          );
        }
        checkReproducerChange(id, stored.state);
        setReproducer(db, id, reproducer, at);
        appendFindingEvent(db, id, {
          at,
          actor: flags.participant,
          fromState: stored.state,
          toState: stored.state,
          evidence: {
            event: 'reproducer',
            command: reproducer.command,
            files: Object.keys(reproducer.files),
          },
        });
        return {
          result: undefined,
          audit: [
            { type: 'vuln.reproducer.attached', data: { findingId: id, participant: flags.participant } },
          ],
        };
      });
      io.stdout(`attached the reproducer of ${manifest} to ${id}\n`);
      exit.code = 0;
    });

  vuln
    .command('list')
    .description('List findings with their state.')
    .addOption(new Option('--state <state>', 'only findings in this state').choices([...FINDING_STATES]))
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', 'keyring directory (accepted for symmetry; not read)')
    .option('--json', 'print an array of findings')
    .action((flags: { state?: FindingState; db?: string; json?: boolean }) => {
      const db = openLabDb(flags, io);
      try {
        const rows = listFindings(db, flags.state).map((f) => ({
          id: f.id,
          state: f.state,
          title: f.finding.title,
          package: f.finding.package?.purl ?? null,
          cvssVector: f.finding.cvssVector,
          reporters: listReporters(db, f.id).map((r) => r.participant),
          reportedAt: f.reportedAt,
          duplicateOf: f.duplicateOf,
        }));
        if (flags.json === true) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        else if (rows.length === 0)
          io.stderr('no findings (report one with "redline vuln report FILE --participant P")\n');
        else {
          for (const r of rows) {
            io.stdout(`${r.id.padEnd(14)} ${r.state.padEnd(9)} ${r.title}  [${r.reporters.join(', ')}]\n`);
          }
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  vuln
    .command('show')
    .description('Show a finding: content, reporters, history, validation transcripts, notifications.')
    .argument('<id>', 'the finding')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', 'keyring directory (accepted for symmetry; not read)')
    .option('--json', 'print everything as JSON (transcripts included)')
    .action((id: string, flags: { db?: string; json?: boolean }) => {
      const db = openLabDb(flags, io);
      try {
        const stored = getFinding(db, id);
        const { reproducer, ...rest } = stored;
        const view = {
          ...rest,
          reproducer:
            reproducer === null
              ? null
              : {
                  command: reproducer.command,
                  files: Object.keys(reproducer.files),
                  expect: reproducer.expect,
                  timeoutMs: reproducer.timeoutMs,
                },
          affected: affectedOf(db, stored),
          reporters: listReporters(db, id),
          history: listFindingEvents(db, id),
          validations: listValidations(db, id),
          notifications: listNotifications(db, id),
        };
        if (flags.json === true) io.stdout(`${JSON.stringify(view, null, 2)}\n`);
        else {
          const f = stored.finding;
          io.stdout(
            `${id}  ${stored.state}${stored.duplicateOf === null ? '' : ` of ${stored.duplicateOf}`}  ${f.title}\n` +
              `  package     ${f.package?.purl ?? '(code finding)'}${f.ranges.length === 0 ? '' : ` ${f.ranges.map((r) => `[${r.introduced ?? '0'}, ${r.fixed ?? (r.lastAffected === undefined ? '∞)' : `${r.lastAffected}]`)}${r.fixed === undefined ? '' : ')'}`).join(' ')}`}\n` +
              `  CWE         ${f.cwe.join(', ') || '-'}\n` +
              `  CVSS        ${f.cvssVector ?? '-'}\n` +
              `  aliases     ${f.aliases.join(', ') || '-'}\n` +
              `  reporters   ${view.reporters.map((r) => `${r.participant} (${r.source} ${r.sourceId})`).join(', ')}\n` +
              `  affected    ${view.affected.join(', ') || '-'}\n` +
              `  reproducer  ${view.reproducer === null ? '-' : view.reproducer.command}\n` +
              `  patch       ${stored.patch === null ? '-' : `${stored.patch.name} sha256 ${stored.patch.sha256}`}\n` +
              `  embargo     ${stored.embargoUntil ?? '-'}\n`,
          );
          io.stdout('  history\n');
          for (const e of view.history) {
            io.stdout(
              `    ${e.at}  ${e.actor.padEnd(14)} ${e.fromState === null || e.fromState === e.toState ? e.toState : `${e.fromState} -> ${e.toState}`}  ${JSON.stringify(e.evidence)}\n`,
            );
          }
          for (const v of view.validations) {
            const t = v.transcript;
            io.stdout(
              `  validation ${v.attempt} (${v.at}, ${v.actor}): ${v.isReproduced ? 'REPRODUCED' : 'not reproduced'}; ${describeEnd(t)}\n` +
                t.checks
                  .map(
                    (c) =>
                      `    ${c.isMet ? 'met    ' : 'not met'} ${c.check} ${JSON.stringify(c.expected)}\n`,
                  )
                  .join('') +
                `    stdout: ${JSON.stringify(t.stdout.slice(0, 400))}\n    stderr: ${JSON.stringify(t.stderr.slice(0, 400))}\n`,
            );
          }
          for (const n of view.notifications) {
            io.stdout(
              `  notified ${n.participant}: ${n.state} (advisory ${n.advisoryId}, ${n.notifiedAt})\n`,
            );
          }
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  vuln
    .command('triage')
    .description(
      'Triage a reported finding (or update the triage of one in work): set the SSVC decision points and the participants it affects.',
    )
    .argument('<id>', 'the finding')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator (keyring role operator)')
    .addOption(
      new Option('--exploitation <state>', 'SSVC exploitation').choices([...SSVC_VALUES.exploitation]),
    )
    .option('--known-exploited', 'the vulnerability is known to be exploited (exploitation active)')
    .addOption(new Option('--automatable <yn>', 'SSVC automatable').choices([...SSVC_VALUES.automatable]))
    .addOption(
      new Option('--technical-impact <impact>', 'SSVC technical impact').choices([
        ...SSVC_VALUES.technicalImpact,
      ]),
    )
    .addOption(
      new Option('--public-wellbeing <impact>', 'SSVC public well-being impact').choices([
        ...PUBLIC_WELLBEING_VALUES,
      ]),
    )
    .option('--affected <ids>', 'comma-separated participants affected beyond inventory matches')
    .option('--note <text>', 'why, kept in the history')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action(
      (
        id: string,
        flags: {
          operator: string;
          exploitation?: Triage['exploitation'];
          knownExploited?: boolean;
          automatable?: Triage['automatable'];
          technicalImpact?: Triage['technicalImpact'];
          publicWellbeing?: Triage['publicWellbeing'];
          affected?: string;
          note?: string;
          db?: string;
          keys?: string;
        },
      ) => {
        const dir = keysDir(flags.keys, io);
        const keyring = listKeyring(dir);
        requireActor(dir, flags.operator, ['operator'], '--operator', keyring);
        if (
          flags.knownExploited === true &&
          flags.exploitation !== undefined &&
          flags.exploitation !== 'active'
        ) {
          throw new RedlineError(
            'E_USAGE',
            `--known-exploited means exploitation active, not ${flags.exploitation}`,
          );
        }
        const named = parseCommaList(flags.affected);
        for (const p of named) requireActor(dir, p, ['participant'], '--affected', keyring);
        const at = nowOf(io).toISOString();
        const triage = commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
          const stored = getFinding(db, id);
          const next = checkTriage({
            ...(stored.triage ?? {}),
            ...(flags.knownExploited === true ? { exploitation: 'active' as const } : {}),
            ...(flags.exploitation === undefined ? {} : { exploitation: flags.exploitation }),
            ...(flags.automatable === undefined ? {} : { automatable: flags.automatable }),
            ...(flags.technicalImpact === undefined ? {} : { technicalImpact: flags.technicalImpact }),
            ...(flags.publicWellbeing === undefined ? {} : { publicWellbeing: flags.publicWellbeing }),
            ...(named.length === 0 ? {} : { participants: named }),
            ...(flags.note === undefined ? {} : { note: flags.note }),
          });
          const evidence = { event: 'triage', triage: next, knownExploited: flags.knownExploited === true };
          if (stored.state === 'reported') {
            moveFinding(db, id, { to: 'triaged', actor: flags.operator, at, evidence, triage: next });
          } else if (stored.state === 'triaged' || stored.state === 'validated') {
            setTriage(db, id, next, at);
            appendFindingEvent(db, id, {
              at,
              actor: flags.operator,
              fromState: stored.state,
              toState: stored.state,
              evidence,
            });
          } else {
            checkFindingMove(id, stored.state, 'triaged');
          }
          return {
            result: next,
            audit: [
              { type: 'vuln.triaged', data: { findingId: id, operator: flags.operator, triage: next } },
            ],
          };
        });
        io.stdout(`triaged ${id}: ${JSON.stringify(triage)}\n`);
        exit.code = 0;
      },
    );

  vuln
    .command('validate')
    .description(
      "Run a triaged finding's reproducer in the network-less sandbox; validated only when the expected signal appears (exit 6 otherwise). The transcript is stored.",
    )
    .argument('<id>', 'the finding')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .option('--json', 'print the validation attempt (with its transcript) as JSON')
    .action(async (id: string, flags: { operator: string; db?: string; keys?: string; json?: boolean }) => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.operator, ['operator'], '--operator');
      const db = openLabDb(flags, io);
      let stored: StoredFinding;
      try {
        stored = getFinding(db, id);
      } finally {
        db.close(); // not held open through a sandbox run of up to 10 minutes
      }
      checkFindingMove(id, stored.state, 'validated');
      const reproducer = stored.reproducer;
      if (reproducer === null) {
        throw new RedlineError(
          'E_STATE',
          `finding ${id} has no reproducer: attach one with "redline vuln reproducer ${id} reproducer.json --participant P"`,
        );
      }
      const transcript = await runReproducer(reproducer, io.now === undefined ? {} : { now: io.now });
      const at = nowOf(io).toISOString();
      const attempt = commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const current = getFinding(db, id);
        if (
          current.reproducer === null ||
          reproducerDigest(current.reproducer) !== transcript.reproducerSha256
        ) {
          throw new RedlineError(
            'E_STATE',
            `finding ${id}: its reproducer was replaced while this validation ran; nothing recorded, validate again`,
          );
        }
        const n = insertValidation(db, id, { at, actor: flags.operator, transcript });
        const evidence = {
          event: 'validation',
          attempt: n,
          reproducerSha256: transcript.reproducerSha256,
          isReproduced: transcript.isReproduced,
        };
        if (transcript.isReproduced) {
          moveFinding(db, id, { to: 'validated', actor: flags.operator, at, evidence });
        } else {
          appendFindingEvent(db, id, {
            at,
            actor: flags.operator,
            fromState: current.state,
            toState: current.state,
            evidence,
          });
        }
        return {
          result: n,
          audit: [
            {
              type: 'vuln.validated',
              data: {
                findingId: id,
                operator: flags.operator,
                attempt: n,
                reproduced: transcript.isReproduced,
                reproducerSha256: transcript.reproducerSha256,
              },
            },
          ],
        };
      });
      if (flags.json === true) {
        io.stdout(
          `${JSON.stringify({ id, attempt, isReproduced: transcript.isReproduced, transcript }, null, 2)}\n`,
        );
      } else {
        io.stdout(
          `${id} validation ${attempt}: ${describeEnd(transcript)}, ${transcript.durationMs} ms in ${transcript.sandbox}\n` +
            transcript.checks
              .map((c) => `  ${c.isMet ? 'met    ' : 'not met'} ${c.check} ${JSON.stringify(c.expected)}\n`)
              .join(''),
        );
      }
      if (!transcript.isReproduced) {
        const why = transcript.timedOut
          ? `the reproducer timed out after ${reproducer.timeoutMs} ms (a run that times out never counts)`
          : 'the expected signal did not appear';
        throw new RedlineError(
          'E_NOT_REPRODUCED',
          `finding ${id}: ${why} (attempt ${attempt}); it stays ${stored.state}. ` +
            `See the transcript with "redline vuln show ${id}", fix the reproducer, or reject the finding`,
        );
      }
      if (flags.json !== true) io.stdout(`${id} is validated\n`);
      exit.code = 0;
    });

  vuln
    .command('reject')
    .description(
      'Reject a finding (not a vulnerability, out of scope, not reproducible), with the reason kept.',
    )
    .argument('<id>', 'the finding')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .requiredOption('--reason <text>', 'why, kept in the history')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((id: string, flags: { operator: string; reason: string; db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.operator, ['operator'], '--operator');
      if (flags.reason.trim() === '') throw new RedlineError('E_USAGE', '--reason must say why');
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        moveFinding(db, id, {
          to: 'rejected',
          actor: flags.operator,
          at,
          evidence: { event: 'rejected', reason: flags.reason },
        });
        return {
          result: undefined,
          audit: [
            {
              type: 'vuln.rejected',
              data: { findingId: id, operator: flags.operator, reason: flags.reason },
            },
          ],
        };
      });
      io.stdout(`rejected ${id}\n`);
      exit.code = 0;
    });

  vuln
    .command('duplicate')
    .description(
      'Mark a finding a duplicate of another that the fingerprint did not catch; its reporters are credited there.',
    )
    .argument('<id>', 'the duplicate finding')
    .requiredOption('--of <id>', 'the finding it duplicates')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((id: string, flags: { of: string; operator: string; db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.operator, ['operator'], '--operator');
      if (id === flags.of) throw new RedlineError('E_USAGE', `a finding cannot duplicate itself (${id})`);
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const original = getFinding(db, flags.of);
        if (!isOpenState(original.state)) {
          throw new RedlineError(
            'E_STATE',
            `${flags.of} is ${original.state}${original.duplicateOf === null ? '' : ` of ${original.duplicateOf}`}: point --of at the finding that stays open`,
          );
        }
        moveFinding(db, id, {
          to: 'duplicate',
          actor: flags.operator,
          at,
          evidence: { event: 'duplicate', of: flags.of },
          duplicateOf: flags.of,
        });
        for (const reporter of listReporters(db, id)) addReporter(db, flags.of, reporter);
        appendFindingEvent(db, flags.of, {
          at,
          actor: flags.operator,
          fromState: original.state,
          toState: original.state,
          evidence: { event: 'merged', duplicate: id },
        });
        return {
          result: undefined,
          audit: [
            { type: 'vuln.duplicate', data: { findingId: id, of: flags.of, operator: flags.operator } },
          ],
        };
      });
      io.stdout(`${id} is a duplicate of ${flags.of}; its reporters are credited there\n`);
      exit.code = 0;
    });

  vuln
    .command('queue')
    .description(
      'The open findings in work order: SSVC decision, then CVSS base score, then age; each explained.',
    )
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .option('--json', 'print an array of queue items')
    .action((flags: { db?: string; keys?: string; json?: boolean }) => {
      const sectors = participantSectors(listKeyring(keysDir(flags.keys, io)));
      const db = openLabDb(flags, io);
      let items: QueueItem[];
      try {
        const inventory = listInventory(db);
        const notifications = listNotifications(db);
        items = buildQueue(
          listFindings(db)
            .filter((f) => isOpenState(f.state))
            .filter((f) => {
              const sent = notifications.filter((n) => n.findingId === f.id);
              return sent.length === 0 || sent.some((n) => n.state !== 'remediated');
            })
            .map((f) => ({
              id: f.id,
              state: f.state,
              reportedAt: f.reportedAt,
              finding: f.finding,
              triage: f.triage,
              affected: findAffectedParticipants(f.finding, inventory, f.triage?.participants ?? []).map(
                (p) => ({
                  participant: p,
                  sector: sectors.get(p) ?? null,
                }),
              ),
            })),
        );
      } finally {
        db.close();
      }
      if (flags.json === true) io.stdout(`${JSON.stringify(items, null, 2)}\n`);
      else if (items.length === 0) io.stderr('the queue is empty: no open findings\n');
      else {
        for (const item of items) {
          io.stdout(
            `${String(item.rank).padStart(3)}. ${item.id.padEnd(14)} ${item.decision.padEnd(7)} ${item.score === null ? '  - ' : item.score.toFixed(1).padStart(4)}  ${item.state.padEnd(9)} ${item.title}\n` +
              `     ${item.explanation}\n` +
              `     affected: ${item.affected.join(', ') || 'none known'}; automatable from ${item.sources.automatable}; technical impact from ${item.sources.technicalImpact}; ${item.sources.missionWellbeing}\n`,
          );
        }
      }
      exit.code = 0;
    });
}
