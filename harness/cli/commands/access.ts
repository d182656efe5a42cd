/**
 * `redline access register|status|clear` (pre-release access engagements under EO 14409: register the window,
 * follow its derived state, issue the sequencing attestation) and `redline verify-attestation` (anyone holding
 * the evaluator's public key: check an attestation and show what it attests).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { utcDateOf } from '../../../src/access/day-number.js';
import { deriveEngagementStatus, type EngagementStatus } from '../../../src/access/engagement-state.js';
import { checkEngagement } from '../../../src/access/register-engagement.js';
import {
  buildSequencingAttestation,
  verifySequencingAttestation,
  type SequencingAttestation,
} from '../../../src/access/sequencing-attestation.js';
import { loadPublicKey } from '../../../src/crypto/key-files.js';
import { listKeyring } from '../../../src/crypto/keyring.js';
import { RedlineError, isRedlineError } from '../../../src/errors.js';
import { listAssessments } from '../../../src/store/assessments.js';
import {
  insertClearance,
  insertEngagement,
  listClearances,
  listEngagements,
  type Engagement,
} from '../../../src/store/engagements.js';
import { listRuns } from '../../../src/store/runs.js';
import { currentActor, openAuditTrail } from '../audit-trail.js';
import { loadRoleSigningKey } from '../load-role-signing-key.js';
import { readInputFile, writeNewFile } from '../user-files.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir, parseCommaList } from '../options.js';
import type { ExitHolder } from '../program.js';

interface RegisterFlags {
  developer: string;
  model: string;
  start: string;
  release: string;
  partners?: string;
  terms?: string;
  db?: string;
  keys?: string;
  json?: boolean;
}

interface ClearFlags {
  model: string;
  identity: string;
  out: string;
  db?: string;
  keys?: string;
  json?: boolean;
}

/** One row of `access status --json`. */
interface StatusRow extends EngagementStatus {
  id: string;
  developer: string;
  model: string;
  start: string;
  release: string;
  partners: string[];
  terms: string | null;
}

/** Registers `access register|status|clear` and the top-level `verify-attestation`. */
export function registerAccessCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const access = program
    .command('access')
    .description(
      'Pre-release access engagements (EO 14409): at most 30 days before release, government evaluation first.',
    );

  access
    .command('register')
    .description(
      'Register an engagement: the window a developer gives the lab access to a model; audit-logged.',
    )
    .requiredOption('--developer <id>', "the developer's id in the keyring (role developer)")
    .requiredOption('--model <name>', 'the covered model, as runs name it (--model)')
    .requiredOption('--start <date>', 'YYYY-MM-DD (UTC): access opens')
    .requiredOption('--release <date>', 'YYYY-MM-DD (UTC): planned release (at most 30 days after --start)')
    .option('--partners <list>', 'comma-separated trusted partners whose access comes after the evaluation')
    .option('--terms <ref>', 'reference to the confidentiality terms')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print the registered engagement as JSON')
    .action((flags: RegisterFlags) => {
      const dir = keysDir(flags.keys, io);
      const developerKnown = listKeyring(dir).some(
        (k) => k.entry.id === flags.developer && k.entry.role === 'developer',
      );
      const engagement: Engagement = {
        id: randomUUID(),
        developer: flags.developer,
        model: flags.model,
        startDate: flags.start,
        releaseDate: flags.release,
        partners: parseCommaList(flags.partners),
        terms: flags.terms ?? null,
        registeredAt: new Date().toISOString(),
        registeredBy: currentActor(),
      };
      const db = openLabDb(flags, io);
      try {
        // Check and insert under one write lock: two registrations cannot both pass the overlap check.
        db.transaction(() => {
          checkEngagement(engagement, listEngagements(db), developerKnown);
          insertEngagement(db, engagement);
        }).immediate();
        const trail = openAuditTrail(db, io, dir);
        trail.append('access.registered', {
          engagementId: engagement.id,
          developer: engagement.developer,
          model: engagement.model,
          startDate: engagement.startDate,
          releaseDate: engagement.releaseDate,
          partners: engagement.partners,
          terms: engagement.terms,
        });
        trail.close();
      } finally {
        db.close();
      }
      if (flags.json === true) io.stdout(`${JSON.stringify(engagement, null, 2)}\n`);
      else {
        io.stdout(
          `registered engagement ${engagement.id}: ${engagement.model} of ${engagement.developer}, ` +
            `${engagement.startDate} to ${engagement.releaseDate}` +
            `${engagement.partners.length === 0 ? '' : ` (partners after evaluation: ${engagement.partners.join(', ')})`}\n`,
        );
      }
      exit.code = 0;
    });

  access
    .command('status')
    .description('Show each engagement with its state, derived from runs, assessments and clearances.')
    .option('--model <name>', 'only the engagements of this model')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--json', 'print an array of engagements with state, daysRemaining and overdue')
    .action((flags: { model?: string; db?: string; json?: boolean }) => {
      const today = utcDateOf(new Date());
      const db = openLabDb(flags, io);
      let rows: StatusRow[];
      try {
        const evidence = {
          runs: listRuns(db),
          assessments: listAssessments(db),
          clearances: listClearances(db),
        };
        rows = listEngagements(db, flags.model).map((e) => ({
          id: e.id,
          developer: e.developer,
          model: e.model,
          start: e.startDate,
          release: e.releaseDate,
          partners: e.partners,
          terms: e.terms,
          ...deriveEngagementStatus(e, evidence, today),
        }));
      } finally {
        db.close();
      }
      if (flags.json === true) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) {
        io.stderr('no engagements registered (add one with "redline access register")\n');
      } else {
        for (const r of rows) {
          io.stdout(
            `${r.model.padEnd(20)} ${r.developer.padEnd(14)} ${r.start}..${r.release}  ${r.state.padEnd(9)} ` +
              `${String(r.daysRemaining).padStart(4)} d${r.overdue === null ? '' : `  ! ${r.overdue}`}\n`,
          );
        }
      }
      exit.code = 0;
    });

  access
    .command('clear')
    .description(
      "Issue the signed sequencing attestation for the model's assessed engagement (no scores); audit-logged.",
    )
    .requiredOption('--model <name>', 'the covered model')
    .requiredOption('--identity <file>', "the evaluator's signing secret key (ID.key)")
    .requiredOption('--out <file>', 'where to write the attestation (never overwritten)')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print the attested predicate and the file digest as JSON')
    .action((flags: ClearFlags) => {
      const dir = keysDir(flags.keys, io);
      const { signing } = loadRoleSigningKey(dir, flags.identity, 'evaluator');
      const db = openLabDb(flags, io);
      try {
        const engagements = listEngagements(db, flags.model);
        if (engagements.length === 0) {
          throw new RedlineError(
            'E_NOT_FOUND',
            `no engagement registered for model "${flags.model}" (see "redline access status")`,
          );
        }
        const runs = listRuns(db);
        const assessments = listAssessments(db);
        const issuedAt = new Date().toISOString();
        const attestation = pickAttestation(engagements, (engagement) =>
          buildSequencingAttestation({
            engagement,
            runs,
            assessments,
            issuedAt,
            signer: { keyId: signing.keyId, secretKey: signing.secretKey },
          }),
        );
        writeNewFile(flags.out, attestation.text, 'attestations');
        const sha256 = createHash('sha256').update(attestation.text).digest('hex');
        const { engagement, completedAt } = attestation.predicate;
        insertClearance(db, { engagementId: engagement.id, sha256, completedAt, issuedAt });
        const trail = openAuditTrail(db, io, dir);
        trail.append('access.cleared', {
          engagementId: engagement.id,
          developer: engagement.developer,
          model: engagement.model,
          completedAt,
          runs: attestation.predicate.runs.map((r) => r.runId),
          assessments: attestation.predicate.assessments.map((a) => a.assessmentId),
          evaluatorKeyId: signing.keyId,
          fileSha256: sha256,
        });
        trail.close();
        if (flags.json === true) {
          io.stdout(
            `${JSON.stringify({ file: flags.out, sha256, predicate: attestation.predicate }, null, 2)}\n`,
          );
        } else {
          io.stdout(
            `sequencing attestation for ${engagement.model} (engagement ${engagement.id}): evaluation completed ` +
              `${completedAt}\n  wrote ${flags.out} (sha256 ${sha256})\n`,
          );
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  program
    .command('verify-attestation')
    .description(
      "Verify a sequencing attestation against the evaluator's public key and show what it attests.",
    )
    .argument('<file>', 'the attestation file (DSSE envelope JSON)')
    .requiredOption(
      '--trust <file>',
      "the evaluator's public key: its ID.pub.json entry or a minisign .pub file",
    )
    .option('--json', 'print the verified predicate as JSON')
    .action((file: string, flags: { trust: string; json?: boolean }) => {
      const text = readInputFile(file);
      const trusted = loadPublicKey(flags.trust).signing;
      const p = verifySequencingAttestation(text, { keyId: trusted.keyId, publicKey: trusted.publicKey });
      if (flags.json === true) {
        io.stdout(`${JSON.stringify({ verifiedBy: trusted.keyId, predicate: p }, null, 2)}\n`);
      } else {
        io.stdout(
          `Signature: verified (evaluator key ${trusted.keyId})\n` +
            `${p.statement}.\n` +
            `  model        ${p.engagement.model} (developer ${p.engagement.developer})\n` +
            `  engagement   ${p.engagement.id}, ${p.engagement.startDate} to ${p.engagement.releaseDate}\n` +
            `  completed    ${p.completedAt}\n` +
            `  partners     ${p.engagement.partners.length === 0 ? '(none listed)' : p.engagement.partners.join(', ')}\n` +
            `  runs         ${p.runs.map((r) => `${r.runId} (${r.suite.id}@${r.suite.version})`).join(', ')}\n` +
            `  assessments  ${p.assessments.map((a) => a.assessmentId).join(', ')}\n` +
            `  issued       ${p.issuedAt}\n`,
        );
      }
      exit.code = 0;
    });
}

/** The attestation of the latest-starting engagement that has been assessed; E_NOT_ASSESSED when none has. */
function pickAttestation(
  engagements: readonly Engagement[],
  build: (engagement: Engagement) => SequencingAttestation,
): SequencingAttestation {
  let refusal: unknown;
  for (const engagement of [...engagements].reverse()) {
    try {
      return build(engagement);
    } catch (error) {
      if (!isRedlineError(error, 'E_NOT_ASSESSED')) throw error;
      refusal ??= error;
    }
  }
  throw refusal;
}
