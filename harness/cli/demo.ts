/**
 * `npm run demo`: the main job on the embedded defaults. Starts the simulator on a free loopback port, runs the
 * shipped cyber-knowledge suite through the real CLI (3 epochs), and prints the report and the designation.
 * Results go to ./redline.db (or REDLINE_DB), so `redline runs` and `redline report` work afterwards.
 */
import { fileURLToPath } from 'node:url';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../endpoints/simulator.js';
import { processIo } from './io.js';
import { runCli } from './program.js';

const suitePath = fileURLToPath(new URL('../../suites/cyber-knowledge', import.meta.url));
const io = processIo();
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
io.stderr(
  `demo: simulator serving ${suite.header.id} (${suite.sampleCount} samples) at ${sim.url}, 5% injected faults\n`,
);
const argv = [
  'run',
  suitePath,
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
];
io.stderr(`demo: redline ${argv.map((a) => (a === suitePath ? 'suites/cyber-knowledge' : a)).join(' ')}\n\n`);
const code = await runCli(argv, io);
await sim.close();
io.stderr(
  `\ndemo: done; list runs with "npx redline runs", or print one with "npx redline report RUN_ID --json"\n`,
);
process.stdout.write('', () => process.exit(code));
