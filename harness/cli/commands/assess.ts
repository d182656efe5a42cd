/**
 * `redline assess` (evaluator side: sign, then seal, an assessment to one developer) and `redline open` (developer
 * side: decrypt, verify against the trusted evaluator key, check the addressing, show).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  ASSESSMENT_PREDICATE_TYPE,
  buildAssessment,
  type AssessmentDetail,
  type AssessmentPredicate,
} from '../../../src/assessment/build-assessment.js';
import { sealStatement } from '../../../src/crypto/assessment-file.js';
import { findKey } from '../../../src/crypto/keyring.js';
import { buildStatement } from '../../../src/crypto/statement.js';
import { RedlineError } from '../../../src/errors.js';
import { recordAssessment } from '../../../src/store/assessments.js';
import { openAuditTrail } from '../audit-trail.js';
import { loadRoleSigningKey } from '../load-role-signing-key.js';
import { openSealedFile, writeNewFile } from '../user-files.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';
import { renderAssessment } from '../render-assessment.js';

interface AssessFlags {
  to: string;
  identity: string;
  out: string;
  keys?: string;
  db?: string;
  detail: AssessmentDetail;
}

/** Registers `assess` and `open`. */
export function registerAssessCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('assess')
    .description(
      "Seal the assessment of completed runs to their developer: signed (DSSE), encrypted to the developer's key.",
    )
    .argument('<runIds...>', 'one or more completed runs of the same model, all belonging to the developer')
    .requiredOption('--to <developerId>', "the developer's id in the keyring (role developer)")
    .requiredOption('--identity <file>', "the evaluator's signing secret key (ID.key)")
    .requiredOption('--out <file>', 'where to write the sealed assessment (never overwritten)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .addOption(
      new Option('--detail <level>', 'summary: overall figures; categories: per category too')
        .choices(['summary', 'categories'])
        .default('summary'),
    )
    .action((runIds: string[], flags: AssessFlags) => {
      const dir = keysDir(flags.keys, io);
      const developer = findKey(dir, flags.to);
      if (developer.entry.role !== 'developer') {
        throw new RedlineError(
          'E_ACCESS',
          `key "${flags.to}" in ${dir} has role ${developer.entry.role}, not developer: assessments go to developers only`,
        );
      }
      const { signing } = loadRoleSigningKey(dir, flags.identity, 'evaluator');
      const db = openLabDb(flags, io);
      try {
        const predicate = buildAssessment(db, {
          runIds,
          developer: flags.to,
          evaluatorKeyId: signing.keyId,
          recipientKeyIds: [developer.recipient.keyId],
          detail: flags.detail,
          issuedAt: new Date().toISOString(),
          assessmentId: randomUUID(),
        });
        const statement = buildStatement({
          // The subject names the model; its weights are not available to the harness, so the digest is of the name.
          subject: [
            {
              name: `${predicate.developer}/${predicate.model}`,
              digest: { sha256: sha256Hex(predicate.model) },
            },
          ],
          predicateType: ASSESSMENT_PREDICATE_TYPE,
          predicate,
        });
        const sealed = sealStatement({
          statement,
          signer: { keyId: signing.keyId, secretKey: signing.secretKey },
          recipients: [{ keyId: developer.recipient.keyId, publicKey: developer.recipient.publicKey }],
        });
        const text = `${JSON.stringify(sealed, null, 2)}\n`;
        writeNewFile(flags.out, text, 'assessments');
        const fileSha256 = sha256Hex(text);
        recordAssessment(db, {
          id: predicate.assessmentId,
          developer: predicate.developer,
          model: predicate.model,
          runs: predicate.runs.map((r) => r.runId),
          decision: predicate.designation.decision,
          fileSha256,
          issuedAt: predicate.issuedAt,
        });
        const trail = openAuditTrail(db, io, dir);
        trail.append('assessment.issued', {
          assessmentId: predicate.assessmentId,
          developer: predicate.developer,
          model: predicate.model,
          runs: predicate.runs.map((r) => r.runId),
          decision: predicate.designation.decision,
          evaluatorKeyId: signing.keyId,
          recipients: predicate.recipients,
          fileSha256,
        });
        trail.close();
        io.stdout(
          `sealed assessment ${predicate.assessmentId} of ${predicate.model} for ${predicate.developer}: ` +
            `${predicate.designation.decision}\n  wrote ${flags.out} (sha256 ${fileSha256})\n`,
        );
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  program
    .command('open')
    .description(
      'Open a sealed assessment addressed to you and verify it was issued by the evaluator you trust.',
    )
    .argument('<file>', 'the sealed assessment file')
    .requiredOption('--identity <file>', 'your age identity (ID.age)')
    .requiredOption(
      '--trust <file>',
      "the evaluator's public key: its ID.pub.json entry or a minisign .pub file",
    )
    .option('--json', 'print the verified predicate as JSON')
    .action((file: string, flags: { identity: string; trust: string; json?: boolean }) => {
      const opened = openSealedFile(file, {
        identityFile: flags.identity,
        trustFile: flags.trust,
        predicateType: ASSESSMENT_PREDICATE_TYPE,
        kind: 'assessment',
      });
      const predicate = opened.statement.predicate as unknown as AssessmentPredicate;
      if (flags.json === true)
        io.stdout(`${JSON.stringify({ verifiedBy: opened.signedBy, predicate }, null, 2)}\n`);
      else io.stdout(renderAssessment(predicate, opened.signedBy));
      exit.code = 0;
    });
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
