/**
 * The importers of `redline suite import`, by format name.
 */
import { RedlineError } from '../errors.js';
import type { Importer } from './imported-suite.js';
import { cybenchImporter } from './formats/cybench.js';
import { cybermetricImporter } from './formats/cybermetric.js';
import { cybersecevalMcqImporter } from './formats/cyberseceval.js';
import { ctibenchMcqImporter, ctibenchRcmImporter } from './formats/ctibench.js';
import { csvImporter, jsonlImporter } from './formats/generic.js';
import { intercodeCtfImporter } from './formats/intercode-ctf.js';
import { nyuCtfImporter } from './formats/nyu-ctf.js';
import { secbenchImporter } from './formats/secbench.js';
import { secevalImporter } from './formats/seceval.js';

/** Every importer, in the order `--help` lists them. */
export const IMPORTERS: readonly Importer[] = [
  cybermetricImporter,
  ctibenchMcqImporter,
  ctibenchRcmImporter,
  secevalImporter,
  secbenchImporter,
  intercodeCtfImporter,
  cybenchImporter,
  nyuCtfImporter,
  cybersecevalMcqImporter,
  jsonlImporter,
  csvImporter,
];

/** The importer of `format`; E_USAGE listing the known formats otherwise. */
export function findImporter(format: string): Importer {
  const importer = IMPORTERS.find((i) => i.format === format);
  if (importer === undefined) {
    throw new RedlineError(
      'E_USAGE',
      `unknown import format "${format}"; known: ${IMPORTERS.map((i) => i.format).join(', ')}`,
    );
  }
  return importer;
}
