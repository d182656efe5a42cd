/**
 * `npm run bench`: micro-benchmarks of the hot paths (tinybench) and the end-to-end figures. Prints figures with
 * their targets; it never fails on a timing (speed is reported, not asserted).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchMicro } from './micro.js';
import { benchEndToEnd } from './e2e-throughput.js';
import { benchPolicy } from './policy-bench.js';
import { benchAgentic } from './agentic-bench.js';
import { benchVuln } from './vuln-bench.js';
import { benchLive } from './live-bench.js';
import { benchStartup } from './startup-bench.js';
import { benchWholeProcess } from './whole-process-bench.js';
import { benchView } from './view-bench.js';
import { benchSealedSuite } from './sealed-suite-bench.js';
import { benchEncryptedDb } from './encrypted-db-bench.js';
import { benchSharedRun } from './shared-run-bench.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

log('Building the CLI (npm run build: tsc, then the bundle bin/redline.js runs, as a lab runs it) ...');
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });

log('\nMicro-benchmarks (hot paths, per call):');
await benchMicro(log);

log('\nPolicy what-if and sweep (10,000 stored runs x 10 categories, from sufficient statistics):');
benchPolicy(log);

log('\nVulnerability clearinghouse (5,000 OSV records, 10,000 scan claims):');
benchVuln(log);

log('\nAgentic CTF episodes in bubblewrap sandboxes (simulated agent replaying the solution commands):');
await benchAgentic(log);
await benchLive(log);

log('\nEnd to end (simulator and runner in separate processes, loopback HTTP):');
const figures = await benchEndToEnd(log);
log('\nStart-up of the built CLI (whole processes, cold):');
figures.push(...(await benchStartup(log)));
log('\nWhole-process redline run (built CLI, fresh database, simulator in its own process):');
figures.push(...(await benchWholeProcess(log)));
log('\nReport viewer (100,000 samples: redline view, then Chromium from file://):');
figures.push(...(await benchView(log)));
log('\nSealed vs plain suite load (100,000 samples; in process and redline suite validate):');
figures.push(...(await benchSealedSuite(log)));
log('\nEncrypted vs plain lab database (whole-process redline run, 10,000 samples at 0 ms):');
figures.push(...(await benchEncryptedDb(log)));
log('\nShared runs (N runner processes on one run, built CLI) and the store, PostgreSQL vs SQLite:');
figures.push(...(await benchSharedRun(log)));
log('\nSummary:');
for (const f of figures) {
  log(`  ${f.ok ? 'meets' : 'MISSES'}  ${f.name}: ${f.value.toFixed(1)} ${f.unit} (target ${f.target})`);
}
