/**
 * `npm run demo`: the main job on the embedded defaults, end to end.
 *  0. creates throwaway demo keys under .redline-demo/ (lab evaluator, log and database keys, the developer's keys),
 *     seals the shipped cyber-knowledge suite to the lab key (one age file: what a classified suite looks like at
 *     rest), and keys the lab database with the demo database key (REDLINE_DB_KEY_FILE; a plaintext database left
 *     by an earlier demo is encrypted in place first);
 *  1. starts the simulator on a free loopback port and runs the sealed suite through the real CLI (3 epochs) for the
 *     developer "demo-lab", decrypting it in memory only, printing the report and the designation;
 *  2. seals the run's assessment to the developer, and opens it as the developer would, with only their own secret
 *     key and the evaluator's public key;
 *  3. verifies the audit log against a freshly exported checkpoint, and writes the static HTML view of the run
 *     (redline view) into ./redline-view/, to open in a browser;
 *  4. runs one agentic CTF challenge in a bubblewrap sandbox and shows its transcript;
 *  5. when a Docker engine answers, one live-target challenge: the agent attacks services on a private network,
 *     against a flag planted fresh for the episode (the image is built from Debian's busybox-static if missing);
 *  6. shows the audit events of the classified material's use: the suite decrypted, the database opened with its
 *     key, the view and the transcript exported.
 * Results go to ./redline.db (or REDLINE_DB), encrypted: `redline runs` and `redline report` work afterwards with
 * REDLINE_DB_KEY_FILE=.redline-demo/lab-keys/demo-db.age.
 */
import { existsSync } from 'node:fs';
import { readStoreFileKind } from '../../src/store/store-file-kind.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../endpoints/simulator.js';
import { createDockerClient } from '../docker/docker-client.js';
import { DEMO_DIR } from './demo-dir.js';
import { processIo } from './io.js';
import { runCli } from './program.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const suitePath = join(root, 'suites', 'cyber-knowledge');
const demoDir = DEMO_DIR;
// Never inside demoDir: that directory holds the sealed assessment, and `view` refuses to write beside one.
const viewDir = 'redline-view';
const labKeys = join(demoDir, 'lab-keys');
const devKeys = join(demoDir, 'developer-keys');
const sealedSuite = join(demoDir, 'cyber-knowledge.age');
// The demo's database key, for every command below (never a command-line value); one the user set is kept.
const dbKeyFile = (process.env.REDLINE_DB_KEY_FILE ??= join(labKeys, 'demo-db.age'));
const io = processIo();
const say = (text: string): void => io.stderr(`\n\u001b[1mdemo: ${text}\u001b[0m\n`);

/** True when a Docker engine answers (live-target challenges need one). */
async function isDockerReachable(): Promise<boolean> {
  const client = createDockerClient();
  try {
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Runs the first challenge of a shipped agentic suite against a simulated agent and shows its transcript. */
async function runFirstChallenge(suiteName: string, kind: string): Promise<void> {
  const suite = await openSuite(join(root, 'suites', suiteName));
  let first = '';
  for await (const sample of suite.samples()) {
    first = sample.id;
    break;
  }
  const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1 });
  const out = await step(
    [
      'run',
      `suites/${suiteName}`,
      '--endpoint',
      sim.url,
      '--model',
      'redline-sim-agent',
      '--developer',
      'demo-lab',
      '--limit',
      '1',
      '--keys',
      labKeys,
      '--json',
    ],
    true,
  );
  await sim.close();
  const run = JSON.parse(out) as { runId: string; overall: { mean: number | null } };
  io.stderr(`demo: ${kind} run ${run.runId}: score ${String(run.overall.mean)}\n`);
  await step(['transcript', run.runId, first, '--keys', labKeys]);
}

/** Runs one CLI command, showing it; stops the demo on failure. */
async function step(argv: string[], capture = false): Promise<string> {
  io.stderr(`$ redline ${argv.join(' ')}\n`);
  let out = '';
  const code = await runCli(argv, capture ? { ...io, stdout: (t) => (out += t) } : io);
  if (code !== 0) {
    io.stderr(`demo: "redline ${argv[0] ?? ''}" exited ${code}\n`);
    process.exit(code);
  }
  return out;
}

const suite = await openSuite(suitePath);
const sim = await startSimulator({
  suite,
  port: 0,
  skill: 0.75,
  skillByCategory: { exploitation: 0.85, 'malware-re': 0.6 },
  latencyMs: 25,
  jitterMs: 15,
  faultRate: 0.05,
  seed: 2026,
});

say(
  '0. classified material at rest: the suite sealed to a lab key, the lab database encrypted with its own key',
);
// Throwaway demo keys (kept between demos; secret files are mode 0600 and ignored by git).
for (const [id, role, dir] of [
  ['demo-evaluator', 'evaluator', labKeys],
  ['demo-log', 'log', labKeys],
  ['demo-db', 'db', labKeys],
  ['demo-lab', 'developer', devKeys],
] as const) {
  if (!existsSync(join(dir, `${id}.pub.json`)))
    await step(['keys', 'gen', '--id', id, '--role', role, '--out', dir], true);
}
if (!existsSync(join(labKeys, 'demo-lab.pub.json')))
  await step(['keys', 'add', join(devKeys, 'demo-lab.pub.json'), '--keys', labKeys]);
await step([
  'suite',
  'seal',
  'suites/cyber-knowledge',
  '--to',
  'demo-evaluator',
  '--keys',
  labKeys,
  '--out',
  sealedSuite,
]);
io.stderr(`demo: the database key comes from REDLINE_DB_KEY_FILE=${dbKeyFile}\n`);
const dbFile = io.env.REDLINE_DB ?? 'redline.db';
if (readStoreFileKind(dbFile) === 'plaintext') {
  io.stderr(`demo: ${dbFile} is a plaintext database from an earlier demo: encrypting it in place first\n`);
  await step(['db', 'encrypt', '--keys', labKeys]);
}
await step(['db', 'status', '--keys', labKeys]);

say(
  `1. simulator serving ${suite.header.id} (${suite.sampleCount} samples) at ${sim.url}, 5% injected faults`,
);

const report = await step(
  [
    'run',
    sealedSuite,
    '--identity',
    join(labKeys, 'demo-evaluator.age'),
    '--endpoint',
    sim.url,
    '--model',
    'redline-sim-0.75',
    '--developer',
    'demo-lab',
    '--epochs',
    '3',
    '--seed',
    '7',
    '--retry-base-ms',
    '50',
    '--keys',
    labKeys,
    '--json',
  ],
  true,
);
await sim.close();
const { runId } = JSON.parse(report) as { runId: string };
await step(['report', runId]);

say('2. seal the assessment to the developer (signed by the evaluator, encrypted to the developer key)');
const sealed = join(demoDir, `assessment-${runId}.json`);
await step([
  'assess',
  runId,
  '--to',
  'demo-lab',
  '--identity',
  join(labKeys, 'demo-evaluator.key'),
  '--keys',
  labKeys,
  '--detail',
  'categories',
  '--out',
  sealed,
]);
say('   ... and open it as the developer, with only their secret key and the evaluator public key');
await step([
  'open',
  sealed,
  '--identity',
  join(devKeys, 'demo-lab.age'),
  '--trust',
  join(labKeys, 'demo-evaluator.pub.json'),
]);

say('3. export a signed checkpoint of the audit log and verify the log against it');
const checkpoint = join(demoDir, `checkpoint-${runId}.txt`);
await step(['audit', 'checkpoint', '--out', checkpoint, '--keys', labKeys]);
await step(['audit', 'verify', '--checkpoint', checkpoint, '--keys', labKeys]);
say('   ... and write the static HTML view of the run (lab only), to open in a browser from the file system');
await step(['view', runId, '--out', viewDir, '--keys', labKeys]);
say('4. an agentic CTF challenge: the simulated agent runs its solution commands in a bubblewrap sandbox');
if (existsSync('/usr/bin/bwrap')) {
  await runFirstChallenge('ctf-agentic', 'agentic');
} else {
  io.stderr('demo: skipped: bubblewrap is not installed (apt-get install bubblewrap)\n');
}
say('5. a live-target challenge: the simulated agent attacks services on a private Docker network');
if (await isDockerReachable()) {
  await step(['images', 'suites/ctf-live', '--build']);
  await runFirstChallenge('ctf-live', 'live-target');
} else {
  io.stderr(
    'demo: skipped: no Docker engine answers at /var/run/docker.sock (apt-get install docker.io busybox-static, ' +
      'start dockerd as in .ci/run, or set DOCKER_HOST; see docs/live-targets.md)\n',
  );
}
say(
  '6. every use of the classified material is in the audit log: the suite decrypted, the database opened, exports',
);
await step(['audit', 'log', '--type', 'suite.opened']);
await step(['audit', 'log', '--type', 'db.opened', '--limit', '3']);
await step(['audit', 'log', '--type', 'view.exported']);
io.stderr(
  `\ndemo: done. Open ${viewDir}/index.html in a browser. The lab database is encrypted: first\n` +
    `  export REDLINE_DB_KEY_FILE=${dbKeyFile}\n` +
    `then try "npx redline runs", "npx redline report ${runId} --json" or "npx redline audit log".\n`,
);
process.stdout.write('', () => process.exit(0));
