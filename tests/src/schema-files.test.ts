import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from '../../src/schema/render-json-schemas.js';

const SCHEMAS = 'schemas';
const FIXTURES = 'tests/fixtures/suites';

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

describe('published JSON Schema files', () => {
  it.each(renderJsonSchemas().map((f) => [f.name, f.text] as const))(
    'schemas/%s matches the TypeBox source',
    async (name, text) => {
      const committed = await readFile(join(SCHEMAS, name), 'utf8').catch(() => '(missing)');
      expect(committed, `schemas/${name} is out of date: run \`npm run schemas\` and commit the result`).toBe(
        text,
      );
    },
  );

  it('validate the fixtures with an independent ajv instance', async () => {
    const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
    const suiteSchema = ajv.compile((await readJson(join(SCHEMAS, 'suite.schema.json'))) as object);
    const sampleSchema = ajv.compile((await readJson(join(SCHEMAS, 'sample.schema.json'))) as object);

    for (const file of ['cyber-knowledge/suite.json', 'cyber-knowledge-inline.json']) {
      const suite = await readJson(join(FIXTURES, file));
      expect({ file, errors: suiteSchema(suite) ? null : suiteSchema.errors }).toEqual({
        file,
        errors: null,
      });
    }
    const lines = (await readFile(join(FIXTURES, 'cyber-knowledge/samples.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '');
    for (const line of lines) expect(sampleSchema(JSON.parse(line))).toBe(true);

    expect(suiteSchema({ id: 'x', version: '1', title: 'X', samples: 's.jsonl', extra: 1 })).toBe(false);
    expect(sampleSchema({ id: 'a', input: 'x', target: 5 })).toBe(false);
  });
});
