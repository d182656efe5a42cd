/**
 * checkDockerSandbox: the docker-sandbox rules a schema cannot say, each reported at a JSON pointer inside the
 * sample. Compose files come from a fake reader, so the tests need no disk.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/errors.js';
import { checkDockerSandbox, type ComposeReader } from '../../../src/sandbox/check-docker-sandbox.js';
import { parseCompose } from '../../../src/sandbox/parse-compose.js';
import type { AgentSpec, Sample, SandboxSpec, ServiceSpec } from '../../../src/schema/suite.js';

const agent: AgentSpec = { tools: ['bash', 'submit'], maxTurns: 5, commandTimeoutS: 10 };

/** A schema-valid sample with a docker sandbox (agent image and agent included unless overridden). */
function dockerSample(sandbox: Partial<SandboxSpec> = {}, options: { hasAgent?: boolean } = {}): Sample {
  return {
    id: 's1',
    input: 'Find the flag.',
    target: 'flag{static}',
    scorer: 'flag',
    ...(options.hasAgent === false ? {} : { agent }),
    sandbox: { backend: 'docker', image: 'redline-test/agent:1', files: {}, ...sandbox },
  };
}

const web: ServiceSpec = { image: 'redline-test/web:1', ports: [80], healthcheck: { tcp: 80 } };

function pointers(sample: Sample, readCompose?: ComposeReader): string[] {
  return checkDockerSandbox(sample, readCompose).map((issue) => issue.pointer);
}

/** A reader that serves `files` by path and records the paths it was asked for. */
function fakeReader(files: Record<string, string>): { read: ComposeReader; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    read: (path) => {
      asked.push(path);
      const text = files[path];
      return text === undefined ? { problem: `${path}: no such file` } : { text };
    },
  };
}

const COMPOSE = `services:
  web:
    image: redline-test/web:1
    expose: ["80"]
  db:
    image: redline-test/db:1
`;

describe('checkDockerSandbox', () => {
  it('accepts a complete docker sample with services, dependsOn and a planted flag', () => {
    const sample = dockerSample({
      services: { web: { ...web, dependsOn: ['db'] }, db: { image: 'redline-test/db:1' } },
      flag: { planted: true, service: 'db', file: '/flag.txt' },
    });
    expect(checkDockerSandbox(sample)).toEqual([]);
  });

  it('has nothing to say about a sample without a sandbox, or a bwrap sandbox without docker fields', () => {
    const { sandbox: _unused, ...plain } = dockerSample();
    expect(checkDockerSandbox(plain)).toEqual([]);
    expect(checkDockerSandbox({ ...plain, sandbox: { files: {} } })).toEqual([]);
    expect(
      checkDockerSandbox({ ...plain, sandbox: { backend: 'bwrap', files: {}, network: false } }),
    ).toEqual([]);
  });

  it('points at every docker-only field of a sandbox whose backend is not docker', () => {
    const docker = dockerSample({
      runtime: 'runsc',
      capabilities: ['NET_RAW'],
      services: { web },
      compose: 'docker-compose.yml',
      flag: { planted: true, service: 'web', env: 'FLAG' },
    });
    const { backend: _docker, ...withoutBackend } = docker.sandbox!;
    const expected = [
      '/sandbox/image',
      '/sandbox/runtime',
      '/sandbox/capabilities',
      '/sandbox/services',
      '/sandbox/compose',
      '/sandbox/flag',
    ];
    expect(pointers({ ...docker, sandbox: withoutBackend })).toEqual(expected);
    expect(pointers({ ...docker, sandbox: { ...withoutBackend, backend: 'bwrap' } })).toEqual(expected);
  });

  it('requires an agent for a docker sandbox', () => {
    expect(pointers(dockerSample({}, { hasAgent: false }))).toEqual(['/agent']);
  });

  it('requires the agent image', () => {
    const { image: _image, ...sandbox } = dockerSample().sandbox!;
    expect(pointers({ ...dockerSample(), sandbox })).toEqual(['/sandbox']);
  });

  it('refuses "network" on a docker sandbox', () => {
    expect(pointers(dockerSample({ network: false }))).toEqual(['/sandbox/network']);
  });

  it('refuses services and compose together', () => {
    const { read } = fakeReader({ 'docker-compose.yml': COMPOSE });
    expect(pointers(dockerSample({ services: { web }, compose: 'docker-compose.yml' }), read)).toEqual([
      '/sandbox/compose',
    ]);
  });

  it('points at a dependsOn entry naming no service', () => {
    const sample = dockerSample({ services: { web: { ...web, dependsOn: ['cache', 'db'] }, db: web } });
    const issues = checkDockerSandbox(sample);
    expect(issues.map((i) => i.pointer)).toEqual(['/sandbox/services/web/dependsOn/0']);
    // The message names the missing service.
    expect(issues[0]?.message).toContain('"cache"');
  });

  it('points at a service that depends on itself', () => {
    const sample = dockerSample({ services: { db: web, web: { ...web, dependsOn: ['db', 'web'] } } });
    expect(pointers(sample)).toContain('/sandbox/services/web/dependsOn/1');
  });

  it('refuses a dependsOn cycle and names the services along it', () => {
    const sample = dockerSample({
      services: {
        a: { image: 'x', dependsOn: ['b'] },
        b: { image: 'x', dependsOn: ['c'] },
        c: { image: 'x', dependsOn: ['a'] },
        d: { image: 'x', dependsOn: ['a'] },
      },
    });
    const issues = checkDockerSandbox(sample);
    expect(issues.map((i) => i.pointer)).toEqual(['/sandbox/services']);
    expect(issues[0]?.message).toContain('a -> b -> c -> a');
  });

  it('accepts a dependsOn chain that is not a cycle (a diamond)', () => {
    const sample = dockerSample({
      services: {
        top: { image: 'x', dependsOn: ['left', 'right'] },
        left: { image: 'x', dependsOn: ['base'] },
        right: { image: 'x', dependsOn: ['base'] },
        base: { image: 'x' },
      },
    });
    expect(pointers(sample)).toEqual([]);
  });

  it('points at a tcp healthcheck whose port is not among the declared ports', () => {
    const sample = dockerSample({
      services: {
        web: { ...web, ports: [80, 443], healthcheck: { tcp: 8080 } },
        // Without "ports" nothing is declared, so any port is accepted.
        api: { image: 'x', healthcheck: { tcp: 8080 } },
        ok: { image: 'x', ports: [8080], healthcheck: { tcp: 8080 } },
      },
    });
    expect(pointers(sample)).toEqual(['/sandbox/services/web/healthcheck/tcp']);
  });

  it('requires exactly one of file or env on a planted flag', () => {
    const services = { web };
    expect(pointers(dockerSample({ services, flag: { planted: true, service: 'web' } }))).toEqual([
      '/sandbox/flag',
    ]);
    expect(
      pointers(
        dockerSample({ services, flag: { planted: true, service: 'web', file: '/flag', env: 'FLAG' } }),
      ),
    ).toEqual(['/sandbox/flag']);
    expect(
      pointers(dockerSample({ services, flag: { planted: true, service: 'web', env: 'FLAG' } })),
    ).toEqual([]);
  });

  it('points at a flag planted in a service that does not exist', () => {
    const sample = dockerSample({ services: { web }, flag: { planted: true, service: 'db', env: 'FLAG' } });
    expect(pointers(sample)).toEqual(['/sandbox/flag/service']);
    expect(pointers(dockerSample({ flag: { planted: true, service: 'db', env: 'FLAG' } }))).toEqual([
      '/sandbox/flag/service',
    ]);
  });

  it('checks a flag against the services of the compose file it reads', () => {
    const { read, asked } = fakeReader({ 'challenge/docker-compose.yml': COMPOSE });
    const compose = 'challenge/docker-compose.yml';
    expect(
      pointers(dockerSample({ compose, flag: { planted: true, service: 'db', env: 'F' } }), read),
    ).toEqual([]);
    expect(
      pointers(dockerSample({ compose, flag: { planted: true, service: 'cache', env: 'F' } }), read),
    ).toEqual(['/sandbox/flag/service']);
    expect(asked).toEqual([compose, compose]);
  });

  it('skips the compose service checks when no reader is given', () => {
    const sample = dockerSample({
      compose: 'docker-compose.yml',
      flag: { planted: true, service: 'nowhere', env: 'F' },
    });
    expect(pointers(sample)).toEqual([]);
  });

  it('reports why a compose file cannot be read, at /sandbox/compose', () => {
    const { read } = fakeReader({});
    const sample = dockerSample({
      compose: 'missing.yml',
      flag: { planted: true, service: 'nowhere', env: 'F' },
    });
    // Flag checks against unknown services are skipped: there are no services to check against.
    expect(checkDockerSandbox(sample, read)).toEqual([
      { pointer: '/sandbox/compose', message: 'missing.yml: no such file' },
    ]);
  });

  it('reports every problem of a compose file at /sandbox/compose', () => {
    const text = `services:
  web:
    image: redline-test/web:1
    privileged: true
    network_mode: host
`;
    const expected = parseCompose(text, 'bad.yml').problems;
    expect(expected.length).toBe(2);
    const { read } = fakeReader({ 'bad.yml': text });
    const sample = dockerSample({
      compose: 'bad.yml',
      flag: { planted: true, service: 'nowhere', env: 'F' },
    });
    const issues = checkDockerSandbox(sample, read);
    expect(issues.map((i) => i.pointer)).toEqual(['/sandbox/compose', '/sandbox/compose']);
    // Each message is the compose problem as formatted everywhere else (file:line: pointer: message).
    expect(issues.map((i) => i.message)).toEqual(expected.map((problem) => formatProblem(problem)));
  });
});
