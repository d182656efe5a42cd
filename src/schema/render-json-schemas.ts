/**
 * The published JSON Schema files (suite, sample, policy, key entry, assessment, reproducer), rendered from the TypeBox sources in src/schema/.
 * `npm run schemas` writes them to schemas/; a test checks the committed files match, so they cannot drift.
 */
import type { TSchema } from '@sinclair/typebox';
import { AssessmentFile } from './assessment.js';
import { KeyEntry } from './key-entry.js';
import { Policy } from './policy.js';
import { ReproducerManifest } from './reproducer.js';
import { Sample, SuiteFile } from './suite.js';

/** One schema file: `name` inside schemas/, `text` its exact content. */
export interface JsonSchemaFile {
  name: string;
  text: string;
}

const DIALECT = 'http://json-schema.org/draft-07/schema#';

/**
 * Renders the suite, sample (one JSONL line), policy, key entry, sealed assessment file and reproducer manifest
 * schemas.
 */
export function renderJsonSchemas(): JsonSchemaFile[] {
  return [
    render('suite.schema.json', 'Redline suite', SuiteFile),
    render('sample.schema.json', 'Redline sample (one line of a suite JSONL file)', Sample),
    render('policy.schema.json', 'Redline designation policy', Policy),
    render('key-entry.schema.json', 'Redline public key entry (ID.pub.json)', KeyEntry),
    render(
      'assessment.schema.json',
      'Redline sealed assessment file (redline.sealed-dsse/v1)',
      AssessmentFile,
    ),
    render('reproducer.schema.json', 'Redline reproducer manifest (reproducer.json)', ReproducerManifest),
  ];
}

function render(name: string, title: string, schema: TSchema): JsonSchemaFile {
  // JSON.stringify drops TypeBox's symbol-keyed metadata ([Kind], [OptionalKind]), leaving plain JSON Schema.
  const document = { $schema: DIALECT, title, ...schema };
  return { name, text: `${JSON.stringify(document, null, 2)}\n` };
}
