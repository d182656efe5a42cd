/**
 * The clearinghouse at national scale: intake of one OSV file of 5,000 records (parse, schema check, fingerprint,
 * store) and of the same file again (every record merges), the prioritised queue over 5,000 open findings with
 * 2,000 inventory items, and a new scan claim checked against 10,000 held claims. Figures are medians of timed
 * calls; targets are stated beside them (intake >= 1,000 findings/s; queue and conflict check well under 1 s,
 * aim 100 ms). Nothing here fails on a timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Db } from '../src/store/open-store.js';
import {
  addReporter,
  findByFingerprint,
  insertFinding,
  listFindings,
  updateFindingContent,
} from '../src/store/vuln-findings.js';
import { addInventory, listInventory } from '../src/store/vuln-participation.js';
import { findAffectedParticipants } from '../src/vuln/affected.js';
import { buildQueue } from '../src/vuln/build-queue.js';
import { fingerprintFinding, mergeFindings } from '../src/vuln/fingerprint.js';
import { parseOsv } from '../src/vuln/parse-osv.js';
import { findConflicts, type ScanClaim } from '../src/vuln/scan-claims.js';

const RECORDS = 5_000;
const PARTICIPANTS = 200;
const CLAIMS = 10_000;

function osvFile(): string {
  const records = Array.from({ length: RECORDS }, (_, i) => ({
    id: `OSV-2026-${10_000 + i}`,
    modified: '2026-11-01T00:00:00Z',
    aliases: [`CVE-2026-${20_000 + i}`],
    summary: `Synthetic vulnerability ${i}`,
    details: 'Generated for the clearinghouse benchmark.',
    severity: [
      {
        type: 'CVSS_V3',
        score: `CVSS:3.1/AV:N/AC:${i % 2 === 0 ? 'L' : 'H'}/PR:N/UI:N/S:U/C:H/I:H/A:${i % 3 === 0 ? 'H' : 'N'}`,
      },
    ],
    affected: [
      {
        package: { ecosystem: 'npm', name: `pkg-${i % 1_000}` },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: `1.${(i % 9) + 1}.0` }] }],
      },
    ],
  }));
  return JSON.stringify(records);
}

function intake(db: Db, text: string, participant: string): number {
  const findings = parseOsv(text, 'bench.osv.json');
  const at = new Date().toISOString();
  db.transaction(() => {
    for (const finding of findings) {
      const fingerprint = fingerprintFinding(finding);
      const reporter = {
        participant,
        source: finding.source,
        sourceId: finding.sourceId,
        fileSha256: '0'.repeat(64),
        reportedAt: at,
      };
      const existing = findByFingerprint(db, fingerprint);
      if (existing === undefined) insertFinding(db, { finding, fingerprint, reporter });
      else {
        const merged = mergeFindings(
          { finding: existing.finding, reporters: [] },
          { finding, reporters: [participant] },
        );
        updateFindingContent(db, existing.id, merged.record.finding, at);
        addReporter(db, existing.id, reporter);
      }
    }
  }).immediate();
  return findings.length;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** Builds the data, times intake, queue and conflict checks, and logs one line per figure. */
export function benchVuln(log: (line: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'redline-vuln-bench-'));
  try {
    const db = openStore(join(dir, 'clearinghouse.db'));
    try {
      const text = osvFile();
      const first = timeMs(() => intake(db, text, 'p-0'));
      log(
        `  intake of ${RECORDS.toLocaleString('en')} new OSV records: ${first.toFixed(0)} ms, ${((RECORDS / first) * 1000).toFixed(0)} findings/s (target >= 1,000/s)`,
      );
      const again = timeMs(() => intake(db, text, 'p-1'));
      log(
        `  the same file from a second reporter (all merge): ${again.toFixed(0)} ms, ${((RECORDS / again) * 1000).toFixed(0)} findings/s`,
      );

      addInventory(
        db,
        Array.from({ length: 2_000 }, (_, i) => ({
          participant: `p-${i % PARTICIPANTS}`,
          purl: `pkg:npm/pkg-${i % 1_000}`,
          version: `1.${i % 10}.0`,
        })),
        new Date().toISOString(),
      );
      const sectors = ['energy', 'water', 'retail', 'education'];
      const build = (): number => {
        const inventory = listInventory(db);
        return buildQueue(
          listFindings(db).map((f) => ({
            id: f.id,
            state: f.state,
            reportedAt: f.reportedAt,
            finding: f.finding,
            triage: f.triage,
            affected: findAffectedParticipants(f.finding, inventory).map((p) => ({
              participant: p,
              sector: sectors[Number(p.slice(2)) % 4] ?? null,
            })),
          })),
        ).length;
      };
      const queueMs = median(Array.from({ length: 5 }, () => timeMs(build)));
      log(
        `  queue of ${RECORDS.toLocaleString('en')} open findings x 2,000 inventory items (load, match, SSVC, CVSS, order): ${queueMs.toFixed(0)} ms median (target < 1,000 ms, aim 100 ms)`,
      );

      const held: ScanClaim[] = Array.from({ length: CLAIMS }, (_, i) => ({
        participant: `p-${i % PARTICIPANTS}`,
        scope:
          i % 3 === 0
            ? { purl: `pkg:npm/pkg-${i % 1_000}`, range: `>=${i % 5}.0.0 <${(i % 5) + 1}.0.0` }
            : i % 3 === 1
              ? { cidr: `10.${i % 256}.0.0/16` }
              : { host: `host-${i}.example` },
        from: '2030-01-01T00:00:00Z',
        to: '2030-01-08T00:00:00Z',
      }));
      const claim: ScanClaim = {
        participant: 'newcomer',
        scope: { purl: 'pkg:npm/pkg-7', range: '^1.0.0' },
        from: '2030-01-05T00:00:00Z',
        to: '2030-01-06T00:00:00Z',
      };
      const conflictMs = median(Array.from({ length: 5 }, () => timeMs(() => findConflicts(claim, held))));
      log(
        `  a new scan claim against ${CLAIMS.toLocaleString('en')} held claims: ${conflictMs.toFixed(1)} ms median (target < 1,000 ms, aim 100 ms)`,
      );
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
