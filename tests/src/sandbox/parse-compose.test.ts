import { describe, expect, it } from 'vitest';
import { composeNameToLabel } from '../../../src/sandbox/compose-name-to-label.js';
import { parseCompose } from '../../../src/sandbox/parse-compose.js';
import { splitCommand } from '../../../src/sandbox/split-command.js';
import { ServiceSpec } from '../../../src/schema/suite.js';
import { compileValidator } from '../../../src/schema/validate.js';

const FILE = 'docker-compose.yml';
const serviceValidator = compileValidator(ServiceSpec);

/** Parses `yaml` and returns the result, after checking that every service it kept is a valid ServiceSpec. */
function parse(
  yaml: string,
  options: Parameters<typeof parseCompose>[2] = {},
): ReturnType<typeof parseCompose> {
  const result = parseCompose(yaml, FILE, options);
  for (const spec of Object.values(result.services)) expect(serviceValidator.check(spec)).toBe(true);
  return result;
}

function pointers(yaml: string, options: Parameters<typeof parseCompose>[2] = {}): string[] {
  return parse(yaml, options).problems.map((p) => p.pointer);
}

/** The one service of a file that parses without problems. */
function onlyService(yaml: string): ServiceSpec {
  const { services, problems } = parse(yaml);
  expect(problems).toEqual([]);
  const specs = Object.values(services);
  expect(specs).toHaveLength(1);
  return specs[0]!;
}

describe('parseCompose', () => {
  it('maps image, user and a command list', () => {
    expect(
      onlyService(`
services:
  web:
    image: nginx:1.27
    user: 1000
    command: ["nginx", "-g", "daemon off;", 8]
`),
    ).toEqual({ image: 'nginx:1.27', user: '1000', command: ['nginx', '-g', 'daemon off;', '8'] });
  });

  it('splits a command string into words as compose does, never through a shell', () => {
    expect(
      onlyService(`services: {web: {image: x, command: "python3 -c 'print(1)' \\"a b\\" c\\\\ d"}}`),
    ).toEqual({
      image: 'x',
      command: ['python3', '-c', 'print(1)', 'a b', 'c d'],
    });
    expect(splitCommand('sh -c "echo $HOME"')).toEqual(['sh', '-c', 'echo $HOME']);
    expect(splitCommand("unbalanced 'quote")).toBeUndefined();
    expect(pointers(`services: {web: {image: x, command: "a 'b"}}`)).toEqual(['/services/web/command']);
  });

  it('maps environment given as a mapping or as KEY=VALUE entries, values as strings', () => {
    expect(onlyService(`services: {web: {image: x, environment: {A: 1, B: "two", C: true}}}`).env).toEqual({
      A: '1',
      B: 'two',
      C: 'true',
    });
    expect(onlyService(`services: {web: {image: x, environment: ["A=1=2", "B="]}}`).env).toEqual({
      A: '1=2',
      B: '',
    });
  });

  it('refuses environment values taken from the host', () => {
    expect(pointers(`services: {web: {image: x, environment: ["FROM_HOST"]}}`)).toEqual([
      '/services/web/environment/0',
    ]);
    expect(pointers(`services: {web: {image: x, environment: {FROM_HOST: null, "BAD-NAME": 1}}}`)).toEqual([
      '/services/web/environment/FROM_HOST',
      '/services/web/environment/BAD-NAME',
    ]);
  });

  it('interpolates ${VAR:-default} and $$, and refuses variables without a default', () => {
    expect(
      onlyService(`services: {web: {image: "app:\${TAG:-1.0}", command: "echo $$HOME \${X:+set}"}}`),
    ).toEqual({ image: 'app:1.0', command: ['echo', '$HOME'] });
    expect(pointers(`services: {web: {image: "app:\${TAG}"}}`)).toEqual(['/services/web/image']);
    expect(pointers(`services: {web: {image: x, environment: {A: "$SECRET"}}}`)).toEqual([
      '/services/web/environment/A',
    ]);
  });

  it('keeps only the container port of expose and ports entries, in every compose form', () => {
    const spec = onlyService(`
services:
  web:
    image: x
    expose: [9000, "9001"]
    ports:
      - 8080
      - "1337:1337"
      - "127.0.0.1:80:81/tcp"
      - "[::1]:53:5353/udp"
      - "7000-7002:7000-7002"
      - target: 443
        published: 8443
      - "1337"
`);
    expect(spec.ports).toEqual([9000, 9001, 8080, 1337, 81, 5353, 7000, 7001, 7002, 443]);
  });

  it('reports ports that are not ports', () => {
    expect(pointers(`services: {web: {image: x, ports: ["80:http", 70000, "1-5000"]}}`)).toEqual([
      '/services/web/ports/0',
      '/services/web/ports/1',
      '/services/web/ports/2',
    ]);
  });

  it('maps healthcheck tests: CMD to a list, CMD-SHELL and strings to a shell command', () => {
    const health = (test: string) =>
      onlyService(`services: {web: {image: x, healthcheck: {test: ${test}}}}`).healthcheck;
    expect(health('["CMD", "curl", "-f", "http://localhost/"]')).toEqual({
      command: ['curl', '-f', 'http://localhost/'],
    });
    expect(health('["CMD-SHELL", "curl -f http://localhost/ || exit 1"]')).toEqual({
      command: 'curl -f http://localhost/ || exit 1',
    });
    expect(health('"pg_isready -U postgres"')).toEqual({ command: 'pg_isready -U postgres' });
    expect(health('["NONE"]')).toBeUndefined();
  });

  it('turns healthcheck timing into a timeout budget, capped at 600 s', () => {
    const health = (body: string) =>
      onlyService(`services: {web: {image: x, healthcheck: ${body}}}`).healthcheck;
    // start_period + retries * (interval + timeout)
    expect(health('{test: "true", interval: 5s, timeout: 3s, retries: 5, start_period: 1m}')).toEqual({
      command: 'true',
      timeoutS: 100,
    });
    expect(health('{test: "true", interval: 1m30s, timeout: 500ms}')).toEqual({
      command: 'true',
      timeoutS: 272,
    });
    expect(health('{test: "true", interval: 1h}')).toEqual({ command: 'true', timeoutS: 600 });
    expect(health('{interval: 2s, retries: 3}')).toEqual({ image: true, timeoutS: 96 });
    expect(health('{test: "true", disable: true}')).toBeUndefined();
  });

  it('reports malformed healthchecks', () => {
    expect(
      pointers(
        `services: {web: {image: x, healthcheck: {test: ["RUN", "x"], interval: soon, retries: 0, foo: 1}}}`,
      ),
    ).toEqual([
      '/services/web/healthcheck/test',
      '/services/web/healthcheck/interval',
      '/services/web/healthcheck/retries',
      '/services/web/healthcheck/foo',
    ]);
  });

  it('maps depends_on lists and maps; service_healthy waits for the image healthcheck when none is given', () => {
    const { services, problems } = parse(`
services:
  web:
    image: x
    depends_on: [db_main]
  api:
    image: y
    depends_on:
      db_main: {condition: service_healthy}
      web: {condition: service_started}
  db_main:
    image: postgres
`);
    expect(problems).toEqual([]);
    expect(services.web?.dependsOn).toEqual(['db-main']);
    expect(services.api?.dependsOn).toEqual(['db-main', 'web']);
    expect(services['db-main']?.healthcheck).toEqual({ image: true });
  });

  it('reports dependencies on unknown services and on services that must exit', () => {
    expect(
      pointers(`
services:
  web:
    image: x
    depends_on:
      ghost: {condition: service_started}
      init: {condition: service_completed_successfully}
  init:
    image: y
`),
    ).toEqual(['/services/web/depends_on/ghost', '/services/web/depends_on/init/condition']);
  });

  it('reports services that depend on each other in a cycle', () => {
    expect(
      pointers(`
services:
  web_a: {image: x, depends_on: [web_b]}
  web_b: {image: y, depends_on: [web_a]}
`),
    ).toEqual(['/services/web_a/depends_on']);
  });

  it('maps links to dependencies and records their aliases', () => {
    const { services, aliases, problems } = parse(`
services:
  web: {image: x, links: ["db:database"]}
  db: {image: y}
`);
    expect(problems).toEqual([]);
    expect(services.web?.dependsOn).toEqual(['db']);
    expect(aliases).toEqual({ database: 'db' });
  });

  it('makes service and network names DNS labels, and an external network the agent network', () => {
    const { services, networks, problems } = parse(`
services:
  Web_App:
    image: x
    networks: [ctf_net, shared_net]
  db:
    image: y
    networks:
      ctf_net:
        aliases: [database.internal]
  cache:
    image: z
networks:
  ctf_net:
    driver: bridge
  shared_net:
    external: true
`);
    expect(problems).toEqual([]);
    expect(Object.keys(services)).toEqual(['web-app', 'db', 'cache']);
    expect(services['web-app']?.networks).toEqual(['ctf-net', 'default']);
    expect(services.db?.networks).toEqual(['ctf-net']);
    // A service with no networks joins "default", which is left implicit.
    expect(services.cache?.networks).toBeUndefined();
    expect(networks).toEqual(['ctf-net', 'default']);
    expect(composeNameToLabel('CTF_Net')).toBe('ctf-net');
    expect(composeNameToLabel('1net')).toBeUndefined();
  });

  it('reports names that cannot be DNS labels, clashing names and undeclared networks', () => {
    expect(
      pointers(`
services:
  web.site: {image: x}
  api_v1: {image: x}
  api-v1: {image: x}
  app: {image: x, networks: [nowhere]}
networks:
  2fast: {}
`),
    ).toEqual(['/networks/2fast', '/services/web.site', '/services/api-v1', '/services/app/networks/0']);
  });

  it('refuses network drivers and settings that reach the host', () => {
    expect(
      pointers(`
services: {web: {image: x, networks: {n: {ipv4_address: 10.0.0.5}}}}
networks:
  n: {driver: host, ipam: {config: [{subnet: 10.0.0.0/24}]}}
`),
    ).toEqual(['/networks/n/driver', '/networks/n/ipam', '/services/web/networks/n/ipv4_address']);
  });

  it('keeps allowed capabilities and refuses the others by name', () => {
    const { services, problems } = parse(
      `services: {web: {image: x, cap_add: [NET_ADMIN, CAP_SYS_PTRACE, SYS_ADMIN, ALL]}}`,
    );
    expect(services.web?.capabilities).toEqual(['NET_ADMIN', 'SYS_PTRACE']);
    expect(problems.map((p) => p.pointer)).toEqual(['/services/web/cap_add/2', '/services/web/cap_add/3']);
    expect(problems[0]?.message).toContain('SYS_ADMIN');
  });

  it('ignores version, name, x- keys, container_name, hostname and restart without a problem', () => {
    const { services, problems, aliases } = parse(`
version: "3.9"
name: project
x-common: &common {restart: always}
services:
  web:
    <<: *common
    image: x
    container_name: web_server
    hostname: www
    x-note: hello
`);
    expect(problems).toEqual([]);
    expect(services).toEqual({ web: { image: 'x' } });
    expect(aliases).toEqual({ web_server: 'web', www: 'web' });
  });

  it.each([
    ['privileged', 'true'],
    ['network_mode', 'host'],
    ['pid', 'host'],
    ['ipc', 'host'],
    ['devices', '["/dev/kvm:/dev/kvm"]'],
    ['security_opt', '["seccomp:unconfined"]'],
    ['sysctls', '{net.ipv4.ip_forward: 1}'],
    ['extra_hosts', '["host.docker.internal:host-gateway"]'],
    ['env_file', '.env'],
    ['entrypoint', '["/bin/sh"]'],
    ['working_dir', '/app'],
  ])('refuses %s, naming the field', (field, value) => {
    const { problems, services } = parse(`services:\n  web:\n    image: x\n    ${field}: ${value}\n`);
    expect(problems.map((p) => p.pointer)).toEqual([`/services/web/${field}`]);
    expect(problems[0]?.message).toContain(field);
    expect(problems[0]?.line).toBe(4);
    expect(services.web).toEqual({ image: 'x' });
  });

  it('refuses volumes with host paths and named volumes shared by services, and drops the others', () => {
    const { services, problems } = parse(`
services:
  web:
    image: x
    volumes:
      - ./data:/data
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - {type: bind, source: ., target: /src}
      - /cache
      - own:/own
      - shared:/shared
  db:
    image: y
    volumes: ["shared:/var/lib/db"]
volumes:
  own: {}
  shared: {}
  remote: {driver_opts: {type: nfs, device: ":/exports"}}
`);
    expect(problems.map((p) => p.pointer)).toEqual([
      '/volumes/remote/driver_opts',
      '/services/web/volumes/0',
      '/services/web/volumes/1',
      '/services/web/volumes/2',
      '/services/web/volumes/5',
      '/services/db/volumes/0',
    ]);
    expect(services.web).toEqual({ image: 'x' });
  });

  it('refuses build without image, and ignores build beside image', () => {
    expect(pointers(`services: {web: {build: ./app}}`)).toEqual(['/services/web/build']);
    const { services, problems, builds } = parse(`services: {web: {build: ./app, image: my/web:1}}`);
    expect(problems).toEqual([]);
    expect(services).toEqual({ web: { image: 'my/web:1' } });
    expect(builds).toEqual({});
  });

  it('records build recipes and names unnamed images when asked to', () => {
    const { services, builds, problems } = parse(
      `
services:
  web: {build: {context: ./env/../env/web, dockerfile: docker/Dockerfile.prod}}
  api: {build: ., image: my/api}
  worker: {build: {context: ., dockerfile: ./Dockerfile}}
`,
      { builtImageName: (s) => `built/${s}` },
    );
    expect(problems).toEqual([]);
    expect(services).toEqual({
      web: { image: 'built/web' },
      api: { image: 'my/api' },
      worker: { image: 'built/worker' },
    });
    expect(builds).toEqual({
      web: { image: 'built/web', context: 'env/web', dockerfile: 'docker/Dockerfile.prod' },
      api: { image: 'my/api', context: '.' },
      worker: { image: 'built/worker', context: '.' },
    });
  });

  it('reports build settings a recipe cannot hold, and contexts outside the compose folder', () => {
    expect(
      pointers(
        `
services:
  a: {build: {context: ., args: {V: 1}, target: prod}}
  b: {build: /srv/b}
  c: {build: "https://github.com/example/c.git"}
  d: {build: {context: ., dockerfile: ../Dockerfile}}
`,
        { builtImageName: (s) => s },
      ),
    ).toEqual([
      '/services/a/build/args',
      '/services/a/build/target',
      '/services/b/build',
      '/services/c/build',
      '/services/d/build/dockerfile',
    ]);
  });

  it('reports a service without image or build, unknown fields and unknown top-level keys', () => {
    expect(
      pointers(`
services:
  web: {command: ["run"]}
  api: {image: x, deploy: {replicas: 2}}
secrets:
  token: {file: ./token}
`),
    ).toEqual(['/secrets', '/services/web', '/services/api/deploy']);
  });

  it('reports a file without services, and YAML that does not parse, with the line', () => {
    expect(pointers('version: "3"\n')).toEqual(['']);
    expect(pointers('services: {}\n')).toEqual(['/services']);
    expect(pointers('- a\n- b\n')).toEqual(['']);
    const broken = parse('services:\n  web:\n    image: [x\n  db: {}\n');
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatchObject({ file: FILE, pointer: '' });
    expect(broken.problems[0]?.line).toBeGreaterThan(1);
  });

  it('gives every problem the file and the line of the offending key', () => {
    const { problems } = parse('services:\n  web:\n    image: x\n    ports:\n      - 80\n      - "nope"\n');
    expect(problems).toEqual([
      expect.objectContaining({ file: FILE, line: 6, pointer: '/services/web/ports/1' }),
    ]);
  });

  it('parses a Cybench-like compose file: build with image, depends_on, CMD-SHELL healthcheck, two networks', () => {
    const result = parse(
      `
version: '3'
services:
  otp_web:
    build:
      context: ./env
    image: otp-web:latest
    container_name: otp
    restart: unless-stopped
    ports:
      - "8901:80"
    environment:
      DB_HOST: otp_db
      DB_PASSWORD: "\${DB_PASSWORD:-s3cret}"
    depends_on:
      otp_db:
        condition: service_healthy
    healthcheck:
      test: ["CMD-SHELL", "curl -sf http://localhost/ || exit 1"]
      interval: 10s
      timeout: 5s
      retries: 3
    networks:
      - shared_net
      - backend
  otp_db:
    image: mariadb:11
    expose: ["3306"]
    environment:
      - MARIADB_ROOT_PASSWORD=s3cret
    healthcheck:
      test: ["CMD", "healthcheck.sh", "--connect"]
    networks:
      - backend
networks:
  shared_net:
    external: true
  backend:
`,
      { builtImageName: (s) => `redline-import/${s}` },
    );
    expect(result).toEqual({
      services: {
        'otp-web': {
          image: 'otp-web:latest',
          ports: [80],
          env: { DB_HOST: 'otp_db', DB_PASSWORD: 's3cret' },
          healthcheck: { command: 'curl -sf http://localhost/ || exit 1', timeoutS: 45 },
          networks: ['default', 'backend'],
          dependsOn: ['otp-db'],
        },
        'otp-db': {
          image: 'mariadb:11',
          ports: [3306],
          env: { MARIADB_ROOT_PASSWORD: 's3cret' },
          healthcheck: { command: ['healthcheck.sh', '--connect'] },
          networks: ['backend'],
        },
      },
      networks: ['backend', 'default'],
      problems: [],
      builds: { 'otp-web': { image: 'otp-web:latest', context: 'env' } },
      aliases: { otp: 'otp-web' },
    });
  });
});
