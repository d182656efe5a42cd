/**
 * The Kubernetes manifests of deploy/k8s (docs/multi-host.md): they parse, conform to a subset of the batch/v1 Job
 * schema (tests/fixtures/k8s/batch-v1-job.schema.json, itself tested against realistic mistakes so that a pass
 * means something) and wire Redline's runners as the docs say. No cluster runs here. When kubectl is installed it
 * decodes each manifest offline into Kubernetes' own Go types, an independent reader; `kubectl apply
 * --dry-run=client` cannot be that check, as it asks an API server which resources exist before it reads a file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';

const RUNNERS = fileURLToPath(new URL('../../deploy/k8s/redline-runners.yaml', import.meta.url));
const CREATE_RUN = fileURLToPath(new URL('../../deploy/k8s/redline-create-run.yaml', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../fixtures/k8s/batch-v1-job.schema.json', import.meta.url));
const MANIFESTS = [
  ['redline-runners.yaml', RUNNERS],
  ['redline-create-run.yaml', CREATE_RUN],
] as const;

/** Variables the Job controller adds to every container of an Indexed Job's pods. */
const INDEXED_JOB_VARIABLES = ['JOB_COMPLETION_INDEX'];

interface KeyRef {
  name: string;
  key: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}
interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface Volume {
  name: string;
  emptyDir?: { medium?: string };
  secret?: { secretName: string; defaultMode?: number; optional?: boolean };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}
/** The parts of a batch/v1 Job these tests read (the schema has checked the shape first). */
interface Job {
  metadata: { name: string };
  spec: {
    completionMode?: 'Indexed' | 'NonIndexed';
    completions?: number;
    parallelism?: number;
    backoffLimit?: number;
    backoffLimitPerIndex?: number;
    template: {
      spec: {
        restartPolicy: string;
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        initContainers?: Container[];
        containers: Container[];
        volumes?: Volume[];
      };
    };
  };
}

/** The documents of a YAML file as plain values; any parse error or warning fails. */
function readYamlDocuments(file: string, version: '1.1' | '1.2' = '1.2'): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { version }).map((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
const validateJob = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);

/** The schema errors of `value` (empty when it conforms). */
function jobSchemaErrors(value: unknown): ErrorObject[] {
  return validateJob(value) ? [] : [...(validateJob.errors ?? [])];
}

/** The one Job of `file`, checked against the schema. */
function readJob(file: string): Job {
  const documents = readYamlDocuments(file);
  expect(documents).toHaveLength(1);
  expect(jobSchemaErrors(documents[0])).toEqual([]);
  return documents[0] as Job;
}

/** Every container of the Job's pods, init containers first. */
function containersOf(job: Job): Container[] {
  return [...(job.spec.template.spec.initContainers ?? []), ...job.spec.template.spec.containers];
}

/** The container named `name`. */
function containerNamed(job: Job, name: string): Container {
  const container = containersOf(job).find((c) => c.name === name);
  if (container === undefined) throw new Error(`${job.metadata.name} has no container ${name}`);
  return container;
}

/** The env entry named `name` of `container`. */
function envNamed(container: Container, name: string): EnvVar {
  const entry = container.env?.find((e) => e.name === name);
  if (entry === undefined) throw new Error(`container ${container.name} has no env ${name}`);
  return entry;
}

/** The value after `flag` in `args`, which must be there once and not be another flag. */
function flagValue(args: readonly string[], flag: string): string {
  expect(
    args.filter((a) => a === flag),
    `${flag} given once`,
  ).toHaveLength(1);
  const value = args[args.indexOf(flag) + 1];
  expect(value, `${flag} has a value`).toBeDefined();
  expect(value).not.toMatch(/^--/);
  return value!;
}

/**
 * The variables Kubernetes expands in `texts`: each `$(NAME)`, but not the escape `$$(NAME)`, which stays literal
 * (an unknown `$(NAME)` also stays literal, silently: hence the test that every reference is defined).
 */
function referencedVariables(texts: readonly string[]): string[] {
  const names: string[] = [];
  for (const text of texts) {
    for (const match of text.matchAll(/\$\$|\$\(([^)]*)\)/g)) {
      if (match[1] !== undefined) names.push(match[1]);
    }
  }
  return names;
}

/** The volume whose mount holds `path` in `container`, by the longest mount path that contains it. */
function volumeHolding(job: Job, container: Container, path: string): Volume | undefined {
  const mount = (container.volumeMounts ?? [])
    .filter((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return job.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
}

describe('deploy/k8s manifests', () => {
  it.each(MANIFESTS)('%s holds one Job that conforms to the batch/v1 Job schema', (_name, file) => {
    const documents = readYamlDocuments(file);
    expect(documents).toHaveLength(1);
    expect(jobSchemaErrors(documents[0])).toEqual([]);
  });

  it.each(MANIFESTS)('%s reads the same under YAML 1.1 (Kubernetes) and YAML 1.2', (_name, file) => {
    // A leading zero (0400) or a bare yes/on means one thing to kubectl's YAML 1.1 and another to YAML 1.2.
    expect(readYamlDocuments(file, '1.1')).toEqual(readYamlDocuments(file, '1.2'));
    const octal = 'defaultMode: 0400\n';
    expect(parseAllDocuments(octal, { version: '1.1' })[0]?.toJS()).not.toEqual(
      parseAllDocuments(octal, { version: '1.2' })[0]?.toJS(),
    );
  });

  it('finds the $(VAR) references Kubernetes expands, not the $$( escapes', () => {
    expect(referencedVariables(['$(A)-$(B_2)', '$$(ESCAPED)', 'x$(c.d)y', '"$1" $HOME'])).toEqual([
      'A',
      'B_2',
      'c.d',
    ]);
  });

  it.each(MANIFESTS)('%s defines in its env every $(VAR) a container uses', (_name, file) => {
    const job = readJob(file);
    const injected = job.spec.completionMode === 'Indexed' ? INDEXED_JOB_VARIABLES : [];
    for (const container of containersOf(job)) {
      const defined = new Set([...(container.env ?? []).map((e) => e.name), ...injected]);
      const used = referencedVariables([...(container.command ?? []), ...(container.args ?? [])]);
      expect(
        used.filter((name) => !defined.has(name)),
        `undefined in container ${container.name}`,
      ).toEqual([]);
    }
  });

  it.each(MANIFESTS)('%s mounts only declared volumes and declares none it does not mount', (_name, file) => {
    const job = readJob(file);
    const declared = (job.spec.template.spec.volumes ?? []).map((v) => v.name);
    const mounted = containersOf(job).flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name));
    expect(mounted.filter((name) => !declared.includes(name))).toEqual([]);
    expect(declared.filter((name) => !mounted.includes(name))).toEqual([]);
  });

  it.each(MANIFESTS)(
    '%s runs non-root, read-only, with a writable /tmp and resource requests',
    (_name, file) => {
      const job = readJob(file);
      const pod = job.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const container of containersOf(job)) {
        expect(container.securityContext?.readOnlyRootFilesystem, container.name).toBe(true);
        expect(container.securityContext?.allowPrivilegeEscalation, container.name).toBe(false);
        expect(container.securityContext?.capabilities?.drop, container.name).toEqual(['ALL']);
        expect(Object.keys(container.resources?.requests ?? {}).sort(), container.name).toEqual([
          'cpu',
          'memory',
        ]);
        // Labs reach no public registry: the image is never pulled on every start.
        expect(['Never', 'IfNotPresent'], container.name).toContain(container.imagePullPolicy);
      }
      const redline = containerNamed(job, 'redline');
      expect(volumeHolding(job, redline, '/tmp/x')?.emptyDir).toBeDefined();
    },
  );

  it.each(MANIFESTS)('%s gives Redline the suite and an owner-only identity from memory', (_name, file) => {
    const job = readJob(file);
    const redline = containerNamed(job, 'redline');
    const suite = envNamed(redline, 'REDLINE_SUITE').value!;
    expect(volumeHolding(job, redline, suite)?.persistentVolumeClaim?.readOnly).toBe(true);
    expect(redline.volumeMounts?.find((m) => m.mountPath === '/srv/redline/suites')?.readOnly).toBe(true);

    // The identity Redline reads is the file the init container writes (umask 077) into a tmpfs emptyDir.
    const identity = envNamed(redline, 'REDLINE_IDENTITY').value!;
    const copy = containerNamed(job, 'copy-identity');
    expect(copy.command?.at(-1)).toBe(identity);
    expect(copy.command?.join(' ')).toContain('umask 077');
    expect(volumeHolding(job, redline, identity)?.emptyDir?.medium).toBe('Memory');
    expect(volumeHolding(job, copy, identity)?.name).toBe(volumeHolding(job, redline, identity)?.name);
    const secret = volumeHolding(job, copy, copy.command!.at(-2)!)?.secret;
    expect(secret).toMatchObject({
      secretName: 'redline-suite-identity',
      defaultMode: 0o400,
      optional: true,
    });
  });

  it('the runners Job is Indexed, with one runner per index all running at once', () => {
    const job = readJob(RUNNERS);
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBeGreaterThanOrEqual(2);
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    // Longer than the 10 s Redline waits for requests in flight after SIGTERM.
    expect(job.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
  });

  it('each runner runs `redline run SUITE --join RUN_ID --db URL --runner NAME`', () => {
    const redline = containerNamed(readJob(RUNNERS), 'redline');
    const args = redline.args ?? [];
    expect(redline.command).toEqual(['redline']);
    expect(args.slice(0, 2)).toEqual(['run', '$(REDLINE_SUITE)']);
    expect(flagValue(args, '--join')).toBe('$(RUN_ID)');
    expect(flagValue(args, '--db')).toBe('$(REDLINE_DB)');
    // Unique per pod (a retried index is a new pod, so a new runner).
    expect(flagValue(args, '--runner')).toBe('$(POD_NAME)-$(JOB_COMPLETION_INDEX)');
    expect(args).not.toContain('--create-only');
    expect(args).toHaveLength(8);
  });

  it('the runners take the run id from a ConfigMap and the database URL and API key from Secrets', () => {
    const redline = containerNamed(readJob(RUNNERS), 'redline');
    expect(envNamed(redline, 'RUN_ID').valueFrom?.configMapKeyRef).toEqual({
      name: 'redline-run',
      key: 'run-id',
    });
    expect(envNamed(redline, 'REDLINE_DB').valueFrom?.secretKeyRef).toEqual({
      name: 'redline-lab-db',
      key: 'url',
    });
    expect(envNamed(redline, 'REDLINE_API_KEY').valueFrom?.secretKeyRef).toBeDefined();
    expect(envNamed(redline, 'POD_NAME').valueFrom?.fieldRef).toEqual({ fieldPath: 'metadata.name' });
  });

  it('the create Job runs once, never retried, and only creates the run', () => {
    const job = readJob(CREATE_RUN);
    expect(job.spec.completionMode ?? 'NonIndexed').toBe('NonIndexed');
    expect([job.spec.completions, job.spec.parallelism]).toEqual([1, 1]);
    // A retry after the run was created would create a second run.
    expect(job.spec.backoffLimit).toBe(0);
    const redline = containerNamed(job, 'redline');
    const args = redline.args ?? [];
    expect(args.slice(0, 2)).toEqual(['run', '$(REDLINE_SUITE)']);
    expect(args).toContain('--create-only');
    expect(args).not.toContain('--join');
    expect(flagValue(args, '--db')).toBe('$(REDLINE_DB)');
    expect(envNamed(redline, 'REDLINE_DB').valueFrom?.secretKeyRef).toEqual({
      name: 'redline-lab-db',
      key: 'url',
    });
  });

  it('the runners read the API key variable, suite and identity the create Job records', () => {
    const create = readJob(CREATE_RUN);
    const runners = readJob(RUNNERS);
    const creator = containerNamed(create, 'redline');
    const runner = containerNamed(runners, 'redline');
    const keyVariable = flagValue(creator.args ?? [], '--api-key-env');
    expect(envNamed(runner, keyVariable).valueFrom?.secretKeyRef).toBeDefined();
    expect(envNamed(runner, 'REDLINE_SUITE')).toEqual(envNamed(creator, 'REDLINE_SUITE'));
    expect(envNamed(runner, 'REDLINE_IDENTITY')).toEqual(envNamed(creator, 'REDLINE_IDENTITY'));
    const sources = (job: Job) => job.spec.template.spec.volumes?.filter((v) => v.name !== 'tmp');
    expect(sources(runners)).toEqual(sources(create));
  });
});

describe('the batch/v1 Job schema subset', () => {
  const base = (): Job => readJob(RUNNERS);
  const pod = (job: Job) => job.spec.template.spec;

  it.each<[string, (job: Job) => void, Partial<ErrorObject>]>([
    [
      'restartPolicy Always (Jobs forbid it)',
      (job) => (pod(job).restartPolicy = 'Always'),
      { instancePath: '/spec/template/spec/restartPolicy', keyword: 'enum' },
    ],
    [
      'a misspelt field (completionsMode)',
      (job) => Object.assign(job.spec, { completionsMode: 'Indexed' }),
      {
        instancePath: '/spec',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'completionsMode' },
      },
    ],
    [
      'an env entry with both value and valueFrom',
      (job) =>
        Object.assign(envNamed(containerNamed(job, 'redline'), 'REDLINE_DB'), { value: 'postgres://x' }),
      { instancePath: '/spec/template/spec/containers/0/env/1', keyword: 'maxProperties' },
    ],
    [
      'an env entry with neither value nor valueFrom',
      (job) => delete envNamed(containerNamed(job, 'redline'), 'REDLINE_SUITE').value,
      { instancePath: '/spec/template/spec/containers/0/env/3', keyword: 'minProperties' },
    ],
    [
      'a container without an image',
      (job) => delete (containerNamed(job, 'redline') as Partial<Container>).image,
      {
        instancePath: '/spec/template/spec/containers/0',
        keyword: 'required',
        params: { missingProperty: 'image' },
      },
    ],
    [
      'a container name that is not a DNS-1123 label',
      (job) => (containerNamed(job, 'redline').name = 'Redline_Runner'),
      { instancePath: '/spec/template/spec/containers/0/name', keyword: 'pattern' },
    ],
    [
      'backoffLimitPerIndex on a NonIndexed Job',
      (job) => (job.spec.completionMode = 'NonIndexed'),
      { instancePath: '/spec/completionMode', keyword: 'const' },
    ],
    [
      'podFailurePolicy with restartPolicy OnFailure',
      (job) => (pod(job).restartPolicy = 'OnFailure'),
      { instancePath: '/spec/template/spec/restartPolicy', keyword: 'const' },
    ],
    [
      'a volume with two sources',
      (job) => Object.assign(pod(job).volumes![0]!, { emptyDir: {} }),
      { instancePath: '/spec/template/spec/volumes/0', keyword: 'maxProperties' },
    ],
    [
      'a downward-API fieldPath Kubernetes does not expose',
      (job) =>
        (envNamed(containerNamed(job, 'redline'), 'POD_NAME').valueFrom!.fieldRef!.fieldPath =
          'metadata.nmae'),
      {
        instancePath: '/spec/template/spec/containers/0/env/5/valueFrom/fieldRef/fieldPath',
        keyword: 'pattern',
      },
    ],
    [
      'a memory request that is not a quantity',
      (job) => (containerNamed(job, 'redline').resources!.requests!.memory = 'one gig'),
      { instancePath: '/spec/template/spec/containers/0/resources/requests/memory', keyword: 'pattern' },
    ],
    [
      'a Job name over 63 characters',
      (job) => (job.metadata.name = 'r'.repeat(64)),
      { instancePath: '/metadata/name', keyword: 'maxLength' },
    ],
  ])('rejects %s', (_what, mutate, expected) => {
    const job = base();
    expect(jobSchemaErrors(job)).toEqual([]);
    mutate(job);
    expect(jobSchemaErrors(job)).toContainEqual(expect.objectContaining(expected));
  });
});

/** The fields of `expected` that `actual` lacks or holds another value for, as JSON pointers. */
function droppedFields(expected: unknown, actual: unknown, pointer = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [pointer];
    // kubectl may append (the variable set env adds); it must keep every element in place.
    return expected.flatMap((item, i) => droppedFields(item, actual[i], `${pointer}/${i}`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return [pointer];
    return Object.entries(expected).flatMap(([key, value]) =>
      droppedFields(value, (actual as Record<string, unknown>)[key], `${pointer}/${key}`),
    );
  }
  return Object.is(expected, actual) ? [] : [pointer];
}

const HAS_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).error === undefined;
const KUBECTL_SKIP = HAS_KUBECTL ? '' : ' [SKIPPED: `kubectl` is not installed on this machine]';

/**
 * The Job in `file` as kubectl decodes it into Kubernetes' Go types, offline: `set env --local` decodes, adds one
 * variable and prints the typed object; a field the types lack is dropped, a wrong type is an error. An empty
 * kubeconfig keeps kubectl away from any cluster or credentials.
 */
function decodeWithKubectl(
  file: string,
  dir: string,
): { status: number | null; json: unknown; stderr: string } {
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, '');
  const result = spawnSync(
    'kubectl',
    ['set', 'env', '--local', '-f', file, 'REDLINE_DECODE_CHECK=1', '-o', 'json'],
    {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: kubeconfig },
      timeout: 30_000,
    },
  );
  return {
    status: result.status,
    json: result.status === 0 ? (JSON.parse(result.stdout) as unknown) : null,
    stderr: result.stderr,
  };
}

describe('kubectl (offline)', () => {
  it.skipIf(!HAS_KUBECTL)(
    `decodes each manifest into Kubernetes' types, dropping no field${KUBECTL_SKIP}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'redline-kubectl-'));
      try {
        for (const [, file] of MANIFESTS) {
          const decoded = decodeWithKubectl(file, dir);
          expect(decoded.status, decoded.stderr).toBe(0);
          expect(droppedFields(readYamlDocuments(file)[0], decoded.json)).toEqual([]);
        }
        // The check can fail: kubectl drops a field its types do not have, and refuses a value of the wrong type.
        const misspelt = readJob(RUNNERS);
        Object.assign(misspelt.spec, { completionsMode: 'Indexed' });
        writeFileSync(join(dir, 'misspelt.yaml'), stringify(misspelt));
        const dropped = decodeWithKubectl(join(dir, 'misspelt.yaml'), dir);
        expect(droppedFields(misspelt, dropped.json)).toEqual(['/spec/completionsMode']);
        const wrongType = readJob(RUNNERS);
        Object.assign(wrongType.spec, { completions: 'four' });
        writeFileSync(join(dir, 'wrong-type.yaml'), stringify(wrongType));
        expect(decodeWithKubectl(join(dir, 'wrong-type.yaml'), dir).status).not.toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
