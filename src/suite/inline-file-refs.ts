/**
 * Makes a sealed suite's agentic sample self-contained: every sandbox and service file named by `{"path": ...}` is
 * given inline as `{"base64": ...}` from the suite's tree, and a compose file is replaced by the services it
 * declares (merged as the docker backend merges them: inline services win). Workers then never read a suite
 * directory, and nothing of the suite is written outside a sandbox's own work directory.
 *
 * The suite's digest is computed over the samples as sealed, before this: a sealed and a plain suite keep one
 * identity.
 */
import { RedlineError } from '../errors.js';
import { parseCompose } from '../sandbox/parse-compose.js';
import type { Sample, SandboxFile, ServiceSpec } from '../schema/suite.js';
import { readTreeFile, type SuiteTree } from './suite-tree.js';

/** `sample` with its file references resolved from `tree` (the same object when it has none). */
export function inlineFileRefs(sample: Sample, tree: SuiteTree): Sample {
  const sandbox = sample.sandbox;
  if (sandbox === undefined) return sample;
  const read = (path: string): Uint8Array => {
    const data = readTreeFile(tree, path);
    // The validation pass checked every path against the same tree: a miss is a bug, not an input error.
    if (data === undefined)
      throw new RedlineError('E_INTERNAL', `sample ${sample.id}: ${path} is not in the sealed suite`);
    return data;
  };
  const { compose, services, ...rest } = sandbox;
  let resolved: Record<string, ServiceSpec> | undefined = services;
  if (compose !== undefined) {
    const parsed = parseCompose(Buffer.from(read(compose)).toString('utf8'), compose);
    resolved = { ...parsed.services, ...services };
  }
  return {
    ...sample,
    sandbox: {
      ...rest,
      files: inlineFiles(sandbox.files, read),
      ...(resolved === undefined
        ? {}
        : {
            services: Object.fromEntries(
              Object.entries(resolved).map(([name, service]) => [
                name,
                service.files === undefined
                  ? service
                  : { ...service, files: inlineFiles(service.files, read) },
              ]),
            ),
          }),
    },
  };
}

function inlineFiles(
  files: Record<string, SandboxFile>,
  read: (path: string) => Uint8Array,
): Record<string, SandboxFile> {
  return Object.fromEntries(
    Object.entries(files).map(([name, file]) => [
      name,
      typeof file === 'object' && 'path' in file
        ? { base64: Buffer.from(read(file.path)).toString('base64') }
        : file,
    ]),
  );
}
