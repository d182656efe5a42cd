/**
 * `npm run schemas`: writes the published JSON Schema files (schemas/*.schema.json) from the TypeBox source.
 * Run it after changing src/schema/suite.ts; tests/src/suite/schema-files.test.ts fails until you do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchemas } from '../../src/schema/render-json-schemas.js';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

await mkdir(schemasDir, { recursive: true });
for (const { name, text } of renderJsonSchemas()) {
  await writeFile(join(schemasDir, name), text, 'utf8');
  process.stdout.write(`wrote schemas/${name}\n`);
}
