/**
 * The vulnerability clearinghouse as participants and operators meet it, through the CLI on one real database,
 * keyring, audit log and sandbox: scan deconfliction, OSV and SARIF intake with duplicate merging, malformed files
 * that store nothing, validation by reproducer, the queue, sealed advisories under an embargo (injected clock),
 * per-participant status and the public OSV export. Each refusal with its code and exit status.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_TYPES } from '../../src/audit/append-audit.js';
import { fingerprintFinding } from '../../src/vuln/fingerprint.js';
import { parseOsv } from '../../src/vuln/parse-osv.js';
import { runCliCapture, type CliResult } from '../helpers/cli.js';

const FIXTURES = 'tests/fixtures/vuln';
let dir: string;
let keys: string;
let db: string;
let advisories: string;

/** The clearinghouse's clock in these tests (injected, so the dates below never go stale). */
const NOW = new Date('2026-12-01T00:00:00Z');

const cli = (argv: string[], now = NOW): Promise<CliResult> =>
  runCliCapture([...argv, '--db', db, '--keys', keys], {}, { now: () => now });

/** Commands without --keys (open) or with neither store nor keyring. */
const bare = (argv: string[], now = NOW): Promise<CliResult> => runCliCapture(argv, {}, { now: () => now });

async function json<T>(argv: string[]): Promise<T> {
  const r = await cli([...argv, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

interface ListRow {
  id: string;
  state: string;
  reporters: string[];
}

function auditTypes(): { type: string; data: Record<string, unknown> }[] {
  const handle = new Database(db, { readonly: true });
  try {
    return (handle.prepare('SELECT record FROM audit_log ORDER BY seq').all() as { record: string }[]).map(
      (r) => JSON.parse(r.record) as { type: string; data: Record<string, unknown> },
    );
  } finally {
    handle.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-vuln-e2e-'));
  keys = join(dir, 'keys');
  db = join(dir, 'clearinghouse.db');
  advisories = join(dir, 'advisories');
  const gen = async (id: string, role: string, sector?: string): Promise<void> => {
    const r = await bare([
      'keys',
      'gen',
      '--id',
      id,
      '--role',
      role,
      '--out',
      keys,
      '--organisation',
      `${id} org`,
      ...(sector === undefined ? [] : ['--sector', sector]),
    ]);
    expect(r.code, r.stderr).toBe(0);
  };
  await gen('clearinghouse', 'operator', 'government');
  await gen('grid-co', 'participant', 'energy');
  await gen('frontier-ai', 'participant', 'ai-provider');
  await gen('shop', 'participant', 'retail');
  await gen('evaluator-1', 'evaluator');
  await gen('lab-log', 'log');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scan deconfliction', () => {
  const claim = (participant: string, target: string, from: string, to: string): Promise<CliResult> =>
    cli([
      'vuln',
      'scan',
      'claim',
      '--participant',
      participant,
      '--target',
      target,
      '--from',
      from,
      '--to',
      to,
    ]);

  it('refuses an overlap in time and version range held by another participant, naming the holder', async () => {
    const first = await claim(
      'frontier-ai',
      'pkg:npm/tunnelkit@>=1.0.0 <2.0.0',
      '2030-01-01T00:00:00Z',
      '2030-01-08T00:00:00Z',
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('claimed SC-1');
    const clash = await claim(
      'grid-co',
      'pkg:npm/tunnelkit@^1.5.0',
      '2030-01-07T00:00:00Z',
      '2030-01-09T00:00:00Z',
    );
    expect(clash.code).toBe(3);
    expect(clash.stderr).toContain('[E_SCAN_CONFLICT]');
    expect(clash.stderr).toContain('SC-1 held by frontier-ai');
    expect(clash.stderr).toContain('overlap 2030-01-07T00:00:00.000Z to 2030-01-08T00:00:00.000Z');
  });

  it('accepts adjacent times, disjoint version ranges, and the holder itself', async () => {
    const adjacent = await claim(
      'grid-co',
      'pkg:npm/tunnelkit@^1.5.0',
      '2030-01-08T00:00:00Z',
      '2030-01-09T00:00:00Z',
    );
    expect(adjacent.code, adjacent.stderr).toBe(0);
    const disjoint = await claim(
      'shop',
      'pkg:npm/tunnelkit@>=2.0.0',
      '2030-01-01T00:00:00Z',
      '2030-01-08T00:00:00Z',
    );
    expect(disjoint.code, disjoint.stderr).toBe(0);
    const other = await claim(
      'shop',
      'pkg:npm/tunnelkit-extra',
      '2030-01-01T00:00:00Z',
      '2030-01-08T00:00:00Z',
    );
    expect(other.code, other.stderr).toBe(0);
    const self = await claim(
      'frontier-ai',
      'pkg:npm/tunnelkit@1.2.3',
      '2030-01-02T00:00:00Z',
      '2030-01-03T00:00:00Z',
    );
    expect(self.code, self.stderr).toBe(0);
  });

  it('decides host and CIDR scopes as addresses', async () => {
    expect(
      (await claim('grid-co', '10.20.0.0/16', '2030-02-01T00:00:00Z', '2030-02-02T00:00:00Z')).code,
    ).toBe(0);
    const inside = await claim('shop', '10.20.3.4', '2030-02-01T12:00:00Z', '2030-02-01T13:00:00Z');
    expect(inside.code).toBe(3);
    expect(inside.stderr).toContain('held by grid-co: cidr 10.20.0.0/16');
    expect((await claim('shop', '10.21.0.1', '2030-02-01T12:00:00Z', '2030-02-01T13:00:00Z')).code).toBe(0);
  });

  it('lets only the holder release a claim, after which the scope is free', async () => {
    const claims = await json<{ id: string; participant: string; scope: { cidr?: string } }[]>([
      'vuln',
      'scan',
      'list',
    ]);
    const held = claims.find((c) => c.scope.cidr === '10.20.0.0/16')!;
    const stranger = await cli(['vuln', 'scan', 'release', held.id, '--participant', 'shop']);
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toContain('[E_ACCESS]');
    expect((await cli(['vuln', 'scan', 'release', held.id, '--participant', 'grid-co'])).code).toBe(0);
    expect((await cli(['vuln', 'scan', 'release', held.id, '--participant', 'grid-co'])).stderr).toContain(
      'already released',
    );
    expect((await claim('shop', '10.20.3.4', '2030-02-01T12:00:00Z', '2030-02-01T13:00:00Z')).code).toBe(0);
    const all = await json<{ id: string; releasedAt: string | null }[]>(['vuln', 'scan', 'list', '--all']);
    expect(all.find((c) => c.id === held.id)?.releasedAt).not.toBeNull();
  });

  it('refuses bad scopes and times with usage errors naming the field', async () => {
    const bad = await claim('shop', 'pkg:npm/x@not a range!', '2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('scope.range');
    const backwards = await claim('shop', 'example.org', '2030-01-02T00:00:00Z', '2030-01-01T00:00:00Z');
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('must be before');
    const over = await claim('shop', 'example.org', '2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z');
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('already over');
  });
});

describe('participants', () => {
  it('refuses an unknown participant (exit 3) and a key of another role (exit 3)', async () => {
    const unknown = await cli([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.osv.json'),
      '--participant',
      'nobody',
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('[E_UNKNOWN_KEY]');
    const evaluator = await cli([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.osv.json'),
      '--participant',
      'evaluator-1',
    ]);
    expect(evaluator.code).toBe(3);
    expect(evaluator.stderr).toContain('role evaluator');
    const participantAsOperator = await cli(['vuln', 'triage', 'RLV-2030-1', '--operator', 'grid-co']);
    expect(participantAsOperator.code).toBe(3);
    expect(participantAsOperator.stderr).toContain('[E_ACCESS]');
  });
});

describe('findings intake', () => {
  it('stores nothing from malformed files, with coded errors naming the file and field', async () => {
    const cases: [string, number, string][] = [
      ['osv-not-json.json', 2, 'E_MALFORMED'],
      ['osv-missing-id.json', 2, 'E_SCHEMA'],
      ['osv-bad-event.json', 2, 'E_SCHEMA'],
      ['sarif-wrong-version.json', 2, 'E_SCHEMA'],
      ['sarif-results-not-array.json', 2, 'E_SCHEMA'],
      ['bad-cvss.osv.json', 2, 'E_SCHEMA'],
    ];
    for (const [file, code, error] of cases) {
      const r = await cli(['vuln', 'report', join(FIXTURES, file), '--participant', 'grid-co']);
      expect(r.code, file).toBe(code);
      expect(r.stderr, file).toContain(`[${error}]`);
      expect(r.stderr, file).toContain(file);
    }
    const missing = await cli(['vuln', 'report', join(dir, 'nope.json'), '--participant', 'grid-co']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[E_INPUT]');
    const notFinding = join(dir, 'other.json');
    await writeFile(notFinding, '{"hello": 1}');
    const neither = await cli(['vuln', 'report', notFinding, '--participant', 'grid-co']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('neither an OSV record');
    expect(await json<ListRow[]>(['vuln', 'list'])).toEqual([]);
    expect(auditTypes().filter((e) => e.type === 'vuln.reported')).toEqual([]);
  });

  it('merges the same vulnerability reported as OSV and as SARIF, crediting both reporters', async () => {
    const first = await json<{ id: string; outcome: string }[]>([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.osv.json'),
      '--participant',
      'frontier-ai',
      '--reproducer',
      join(FIXTURES, 'repro-ok', 'reproducer.json'),
    ]);
    expect(first).toMatchObject([{ id: 'RLV-2026-1', outcome: 'new' }]);
    const second = await json<{ id: string; outcome: string; reporters: string[] }[]>([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.sarif.json'),
      '--participant',
      'grid-co',
    ]);
    expect(second).toMatchObject([
      { id: 'RLV-2026-1', outcome: 'merged', reporters: ['frontier-ai', 'grid-co'] },
    ]);
    const again = await json<{ outcome: string }[]>([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.sarif.json'),
      '--participant',
      'grid-co',
    ]);
    expect(again).toMatchObject([{ outcome: 'already-reported' }]);
    const code = await json<{ id: string; outcome: string }[]>([
      'vuln',
      'report',
      join(FIXTURES, 'sqli.sarif.json'),
      '--participant',
      'shop',
    ]);
    expect(code).toMatchObject([{ id: 'RLV-2026-2', outcome: 'new' }]);
    const list = await json<ListRow[]>(['vuln', 'list']);
    expect(list.map((f) => [f.id, f.state, f.reporters])).toEqual([
      ['RLV-2026-1', 'reported', ['frontier-ai', 'grid-co']],
      ['RLV-2026-2', 'reported', ['shop']],
    ]);
  });

  it("authenticates a signed report: the signature must be the participant's, over these bytes", async () => {
    const copy = join(dir, 'signed.osv.json');
    const text = (await readFile(join(FIXTURES, 'tunnelkit.osv.json'), 'utf8')).replace(
      'OSV-2026-0001',
      'OSV-2026-0099',
    );
    await writeFile(copy, text.replace('CVE-2026-41234', 'CVE-2026-41299'));
    expect((await bare(['sign', copy, '--identity', join(keys, 'shop.key')])).code).toBe(0);
    const wrongSigner = await cli([
      'vuln',
      'report',
      copy,
      '--participant',
      'grid-co',
      '--signature',
      `${copy}.minisig`,
    ]);
    expect(wrongSigner.code).toBe(6);
    expect(wrongSigner.stderr).toContain('[E_UNTRUSTED_SIGNER]');
    await writeFile(copy, `${await readFile(copy, 'utf8')} `);
    const altered = await cli([
      'vuln',
      'report',
      copy,
      '--participant',
      'shop',
      '--signature',
      `${copy}.minisig`,
    ]);
    expect(altered.code).toBe(6);
    expect(altered.stderr).toContain('[E_TAMPERED]');
    expect((await json<ListRow[]>(['vuln', 'list'])).map((f) => f.id)).toEqual(['RLV-2026-1', 'RLV-2026-2']);
    await rm(`${copy}.minisig`);
    expect((await bare(['sign', copy, '--identity', join(keys, 'shop.key')])).code).toBe(0);
    const signed = await cli([
      'vuln',
      'report',
      copy,
      '--participant',
      'shop',
      '--signature',
      `${copy}.minisig`,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toContain('signature of shop verified');
    expect(
      auditTypes()
        .filter((e) => e.type === 'vuln.reported')
        .at(-1)?.data.signed,
    ).toBe(true);
    const id = signed.stdout.match(/RLV-2026-\d+/)?.[0] ?? '';
    expect(
      (
        await cli([
          'vuln',
          'reject',
          id,
          '--operator',
          'clearinghouse',
          '--reason',
          'test duplicate of a scan',
        ])
      ).code,
    ).toBe(0);
    const again = await cli(['vuln', 'report', copy, '--participant', 'grid-co']);
    expect(again.stdout).toContain(`closed earlier as rejected: see "redline vuln show ${id}"`);
  });

  it('refuses --reproducer for a file with several findings', async () => {
    const r = await cli([
      'vuln',
      'report',
      join(FIXTURES, 'sarif-two-results.json'),
      '--participant',
      'shop',
      '--reproducer',
      join(FIXTURES, 'repro-ok', 'reproducer.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exactly one finding');
  });
});

describe('validation and the queue', () => {
  it('validates only after triage', async () => {
    const early = await cli(['vuln', 'validate', 'RLV-2026-1', '--operator', 'clearinghouse']);
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('triage it first');
  });

  it('explains the queue order: SSVC decision first, then CVSS score', async () => {
    for (const [participant, purl] of [
      ['grid-co', 'pkg:npm/tunnelkit@1.6.0'],
      ['frontier-ai', 'pkg:npm/tunnelkit@1.2.0'],
      ['shop', 'pkg:npm/tunnelkit@1.9.0'],
    ] as const) {
      expect((await cli(['vuln', 'inventory', 'add', '--participant', participant, purl])).code).toBe(0);
    }
    const queue = await json<
      { id: string; decision: string; score: number; affected: string[]; explanation: string }[]
    >(['vuln', 'queue']);
    expect(queue.map((q) => [q.id, q.decision, q.score])).toEqual([
      ['RLV-2026-1', 'attend', 9.8],
      ['RLV-2026-2', 'track', 5.4],
    ]);
    // 1.9.0 is past the fix (1.8.3): the shop is not affected.
    expect(queue[0]?.affected).toEqual(['frontier-ai', 'grid-co']);
    expect(queue[0]?.explanation).toContain('exploitation none > automatable yes > technical impact total');
    expect(queue[0]?.explanation).toContain('CVSS 3.1 base 9.8 (Critical)');
  });

  it('moves a triaged finding to validated when its reproducer shows the signal in the sandbox', async () => {
    const triage = await cli([
      'vuln',
      'triage',
      'RLV-2026-1',
      '--operator',
      'clearinghouse',
      '--known-exploited',
      '--public-wellbeing',
      'material',
    ]);
    expect(triage.code, triage.stderr).toBe(0);
    const r = await cli(['vuln', 'validate', 'RLV-2026-1', '--operator', 'clearinghouse', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const attempt = JSON.parse(r.stdout) as { isReproduced: boolean; transcript: { stdout: string } };
    expect(attempt.isReproduced).toBe(true);
    expect(attempt.transcript.stdout).toContain('TRAVERSAL-CONFIRMED');
    const queue = await json<{ id: string; decision: string }[]>(['vuln', 'queue']);
    expect(queue[0]).toMatchObject({ id: 'RLV-2026-1', decision: 'act' });
    // A validated finding's reproducer is fixed: a later report cannot swap it, and stores nothing.
    const late = await cli([
      'vuln',
      'report',
      join(FIXTURES, 'tunnelkit.osv.json'),
      '--participant',
      'shop',
      '--reproducer',
      join(FIXTURES, 'repro-fails', 'reproducer.json'),
    ]);
    expect(late.code).toBe(3);
    expect(late.stderr).toContain('[E_STATE]');
    expect(late.stderr).toContain('RLV-2026-1 is validated');
    expect((await json<ListRow[]>(['vuln', 'list']))[0]?.reporters).toEqual(['frontier-ai', 'grid-co']);
  });

  it('keeps a finding triaged, with the transcript, when the signal does not appear (exit 6)', async () => {
    expect(
      (
        await cli([
          'vuln',
          'reproducer',
          'RLV-2026-2',
          join(FIXTURES, 'repro-fails', 'reproducer.json'),
          '--participant',
          'grid-co',
        ])
      ).stderr,
    ).toContain('did not report RLV-2026-2');
    const attach = await cli([
      'vuln',
      'reproducer',
      'RLV-2026-2',
      join(FIXTURES, 'repro-fails', 'reproducer.json'),
      '--participant',
      'shop',
    ]);
    expect(attach.code, attach.stderr).toBe(0);
    expect(
      (await cli(['vuln', 'triage', 'RLV-2026-2', '--operator', 'clearinghouse', '--affected', 'shop'])).code,
    ).toBe(0);
    const r = await cli(['vuln', 'validate', 'RLV-2026-2', '--operator', 'clearinghouse']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('[E_NOT_REPRODUCED]');
    expect(r.stdout).toContain('not met stdout "SECRET-LEAKED"');
    const shown = await json<{
      state: string;
      validations: { isReproduced: boolean; transcript: { stdout: string } }[];
    }>(['vuln', 'show', 'RLV-2026-2']);
    expect(shown.state).toBe('triaged');
    expect(shown.validations).toHaveLength(1);
    expect(shown.validations[0]?.isReproduced).toBe(false);
    expect(shown.validations[0]?.transcript.stdout).toContain('no connection');
  });

  it('rejects with a reason, and final states stay final', async () => {
    expect(
      (
        await cli([
          'vuln',
          'reject',
          'RLV-2026-2',
          '--operator',
          'clearinghouse',
          '--reason',
          'not reproducible',
        ])
      ).code,
    ).toBe(0);
    const again = await cli(['vuln', 'triage', 'RLV-2026-2', '--operator', 'clearinghouse']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('rejected is final');
    const queue = await json<{ id: string }[]>(['vuln', 'queue']);
    expect(queue.map((q) => q.id)).toEqual(['RLV-2026-1']);
  });
});

describe('patch, sealed advisories and the embargo', () => {
  const embargo = '2027-01-15T00:00:00.000Z';

  it('registers a patch for the validated finding', async () => {
    const patch = join(dir, 'fix.patch');
    await writeFile(patch, 'upgrade tunnelkit to 1.8.3\n');
    const r = await cli(['vuln', 'patch', 'RLV-2026-1', patch, '--operator', 'clearinghouse']);
    expect(r.code, r.stderr).toBe(0);
    const refused = await cli(['vuln', 'patch', 'RLV-2026-2', patch, '--operator', 'clearinghouse']);
    expect(refused.code).toBe(3);
  });

  it('seals one advisory per affected participant and none to others', async () => {
    const past = await cli([
      'vuln',
      'notify',
      'RLV-2026-1',
      '--operator',
      'clearinghouse',
      '--identity',
      join(keys, 'clearinghouse.key'),
      '--out-dir',
      advisories,
      '--embargo-until',
      '2020-01-01',
    ]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('not in the future');
    const wrongKey = await cli([
      'vuln',
      'notify',
      'RLV-2026-1',
      '--operator',
      'clearinghouse',
      '--identity',
      join(keys, 'grid-co.key'),
      '--out-dir',
      advisories,
    ]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('[E_KEY]');
    const r = await cli(
      [
        'vuln',
        'notify',
        'RLV-2026-1',
        '--operator',
        'clearinghouse',
        '--identity',
        join(keys, 'clearinghouse.key'),
        '--out-dir',
        advisories,
        '--embargo-until',
        '2027-01-15',
        '--json',
      ],
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ embargoUntil: embargo });
    expect((await readdir(advisories)).sort()).toEqual([
      'RLV-2026-1.frontier-ai.advisory.json',
      'RLV-2026-1.grid-co.advisory.json',
    ]);
    const earlier = await cli([
      'vuln',
      'notify',
      'RLV-2026-1',
      '--operator',
      'clearinghouse',
      '--identity',
      join(keys, 'clearinghouse.key'),
      '--out-dir',
      join(dir, 'advisories-2'),
      '--embargo-until',
      '2027-01-10',
    ]);
    expect(earlier.code).toBe(3);
    expect(earlier.stderr).toContain('--earlier-embargo');
  });

  it('lets an affected participant open theirs, with the patch, and no one else', async () => {
    const file = join(advisories, 'RLV-2026-1.grid-co.advisory.json');
    const patchOut = join(dir, 'grid-fix.patch');
    const trust = join(keys, 'clearinghouse.pub.json');
    const opened = await bare(
      [
        'vuln',
        'open',
        file,
        '--identity',
        join(keys, 'grid-co.age'),
        '--trust',
        trust,
        '--patch-out',
        patchOut,
        '--json',
      ],
      new Date('2026-12-02T00:00:00Z'),
    );
    expect(opened.code, opened.stderr).toBe(0);
    const advisory = (JSON.parse(opened.stdout) as { advisory: Record<string, unknown> }).advisory;
    expect(advisory).toMatchObject({
      findingId: 'RLV-2026-1',
      participant: 'grid-co',
      embargoUntil: embargo,
      affectedVersions: ['pkg:npm/tunnelkit@1.6.0'],
      decision: { ssvc: 'act' },
    });
    expect(await readFile(patchOut, 'utf8')).toBe('upgrade tunnelkit to 1.8.3\n');
    const human = await bare(
      ['vuln', 'open', file, '--identity', join(keys, 'grid-co.age'), '--trust', trust],
      new Date('2026-12-02T00:00:00Z'),
    );
    expect(human.stdout).toContain(`EMBARGOED until ${embargo}`);

    const shop = await bare(['vuln', 'open', file, '--identity', join(keys, 'shop.age'), '--trust', trust]);
    expect(shop.code).toBe(6);
    expect(shop.stderr).toContain('[E_NOT_RECIPIENT]');
    const forged = await bare([
      'vuln',
      'open',
      file,
      '--identity',
      join(keys, 'grid-co.age'),
      '--trust',
      join(keys, 'grid-co.pub.json'),
    ]);
    expect(forged.code).toBe(6);
    const tampered = join(dir, 'tampered.json');
    const sealed = JSON.parse(await readFile(file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await writeFile(tampered, JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') }));
    const altered = await bare([
      'vuln',
      'open',
      tampered,
      '--identity',
      join(keys, 'grid-co.age'),
      '--trust',
      trust,
    ]);
    expect(altered.code).toBe(6);
    expect(altered.stderr).toContain('[E_TAMPERED]');
  });

  it('moves each participant notified -> acknowledged -> remediated, and only notified ones', async () => {
    const shop = await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', 'shop']);
    expect(shop.code).toBe(3);
    expect(shop.stderr).toContain('was not notified');
    expect((await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', 'grid-co'])).code).toBe(0);
    expect((await cli(['vuln', 'remediated', 'RLV-2026-1', '--participant', 'grid-co'])).code).toBe(0);
    const back = await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', 'grid-co']);
    expect(back.code).toBe(3);
    expect((await json<{ id: string }[]>(['vuln', 'queue'])).map((q) => q.id)).toEqual(['RLV-2026-1']);
    expect((await cli(['vuln', 'remediated', 'RLV-2026-1', '--participant', 'frontier-ai'])).code).toBe(0);
    // Every notified participant has remediated: the finding leaves the queue.
    expect(await json<{ id: string }[]>(['vuln', 'queue'])).toEqual([]);
    const shown = await json<{
      notifications: { participant: string; state: string; acknowledgedAt: string | null }[];
    }>(['vuln', 'show', 'RLV-2026-1']);
    expect(shown.notifications.map((n) => [n.participant, n.state, n.acknowledgedAt !== null])).toEqual([
      ['frontier-ai', 'remediated', true],
      ['grid-co', 'remediated', true],
    ]);
  });

  it('publishes the OSV record only once the embargo has passed (injected clock)', async () => {
    const before = await cli(
      ['vuln', 'export', 'RLV-2026-1', '--osv', '--operator', 'clearinghouse'],
      new Date('2027-01-14T23:59:59Z'),
    );
    expect(before.code).toBe(3);
    expect(before.stderr).toContain(`embargoed until ${embargo}`);
    expect(before.stdout).toBe('');
    const at = await cli(
      ['vuln', 'export', 'RLV-2026-1', '--osv', '--operator', 'clearinghouse', '--credit'],
      new Date(embargo),
    );
    expect(at.code, at.stderr).toBe(0);
    const record = JSON.parse(at.stdout) as { id: string; published: string; credits: { name: string }[] };
    expect(record.id).toBe('RLV-2026-1');
    expect(record.published).toBe(embargo);
    expect(record.credits.map((c) => c.name)).toEqual(['frontier-ai org', 'grid-co org']);
    // The export is a valid OSV record describing the same vulnerability.
    const [reparsed] = parseOsv(at.stdout, 'export.json');
    const original = parseOsv(await readFile(join(FIXTURES, 'tunnelkit.osv.json'), 'utf8'), 'fixture')[0]!;
    expect(fingerprintFinding(reparsed!)).toBe(fingerprintFinding(original));
    const rejected = await cli(
      ['vuln', 'export', 'RLV-2026-2', '--osv', '--operator', 'clearinghouse'],
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(rejected.code).toBe(3);
  });

  it('marks a duplicate the fingerprint missed and credits its reporter on the original', async () => {
    const other = join(dir, 'same-bug-other-words.osv.json');
    await writeFile(
      other,
      JSON.stringify({
        id: 'OSV-2026-0777',
        modified: '2026-11-25T00:00:00Z',
        summary: 'tunnelkit extracts ../ entries outside the destination',
        affected: [{ package: { ecosystem: 'npm', name: 'tunnelkit' }, versions: ['1.6.0'] }],
      }),
    );
    const reported = await json<{ id: string; outcome: string }[]>([
      'vuln',
      'report',
      other,
      '--participant',
      'shop',
    ]);
    expect(reported[0]?.outcome).toBe('new');
    const id = reported[0]!.id;
    expect((await cli(['vuln', 'duplicate', id, '--of', id, '--operator', 'clearinghouse'])).code).toBe(2);
    const ofRejected = await cli([
      'vuln',
      'duplicate',
      id,
      '--of',
      'RLV-2026-2',
      '--operator',
      'clearinghouse',
    ]);
    expect(ofRejected.code).toBe(3);
    expect(ofRejected.stderr).toContain('RLV-2026-2 is rejected');
    const r = await cli(['vuln', 'duplicate', id, '--of', 'RLV-2026-1', '--operator', 'clearinghouse']);
    expect(r.code, r.stderr).toBe(0);
    const list = await json<(ListRow & { duplicateOf: string | null })[]>(['vuln', 'list']);
    expect(list.find((f) => f.id === id)).toMatchObject({ state: 'duplicate', duplicateOf: 'RLV-2026-1' });
    expect(list.find((f) => f.id === 'RLV-2026-1')?.reporters).toEqual(['frontier-ai', 'grid-co', 'shop']);
    const human = await cli(['vuln', 'show', 'RLV-2026-1']);
    expect(human.stdout).toContain(`{"event":"merged","duplicate":"${id}"}`);
    expect(human.stdout).toContain('REPRODUCED');
  });

  it('audit-logs every mutating command with the acting participant, and the log verifies', async () => {
    const events = auditTypes().filter((e) => e.type.startsWith('vuln.'));
    const types = new Set(events.map((e) => e.type));
    // Every clearinghouse event type the log knows was written by the commands above.
    const vulnTypes = AUDIT_EVENT_TYPES.filter((type) => type.startsWith('vuln.'));
    expect(vulnTypes.length).toBeGreaterThan(10);
    for (const type of vulnTypes) expect(types, type).toContain(type);
    for (const e of events) expect(e.data.participant ?? e.data.operator, e.type).toBeTypeOf('string');
    const verify = await cli(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
  });
});
