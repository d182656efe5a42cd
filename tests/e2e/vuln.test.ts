/**
 * The vulnerability clearinghouse as participants and operators meet it, through the CLI on one real database,
 * keyring, audit log and sandbox: scan deconfliction, OSV and SARIF intake with duplicate merging, malformed files
 * that store nothing, validation by reproducer, the queue, sealed advisories under an embargo (injected clock),
 * per-participant status and the public OSV export. Each refusal with its code and exit status.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_TYPES } from '../../src/audit/append-audit.js';
import { readAuditRecords } from '../helpers/audit-log.js';
import {
  CLASHING_SCAN,
  expectTunnelkitFingerprint,
  expectTunnelkitQueue,
  FIRST_SCAN,
  notifyTunnelkit,
  openGridCoAdvisory,
  reportTunnelkitTwice,
  REPRODUCER_OK,
  TUNNELKIT_PATCH,
  validateTunnelkit,
} from '../helpers/tunnelkit-finding.js';
import {
  CLEARINGHOUSE_PARTIES,
  clearinghouseCli,
  EMBARGO,
  genPartyKeys,
  notifyArgv,
  openAdvisoryArgv,
  operatorArgv,
  reportArgv,
  vulnFixture,
} from '../helpers/vuln-cli.js';

let dir: string;
let keys: string;
let db: string;
let advisories: string;

const clearinghouse = clearinghouseCli(() => ({ db, keys }));
const { cli, bare, json, claim } = clearinghouse;

interface ListRow {
  id: string;
  state: string;
  reporters: string[];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-vuln-e2e-'));
  keys = join(dir, 'keys');
  db = join(dir, 'clearinghouse.db');
  advisories = join(dir, 'advisories');
  await genPartyKeys(keys, [...CLEARINGHOUSE_PARTIES, ['evaluator-1', 'evaluator']]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scan deconfliction', () => {
  it('refuses an overlap in time and version range held by another participant, naming the holder', async () => {
    const first = await claim(...FIRST_SCAN);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('claimed SC-1');
    const clash = await claim(...CLASHING_SCAN);
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
    const unknown = await cli(reportArgv(vulnFixture('tunnelkit.osv.json'), 'nobody'));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('[E_UNKNOWN_KEY]');
    const evaluator = await cli(reportArgv(vulnFixture('tunnelkit.osv.json'), 'evaluator-1'));
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
      const r = await cli(reportArgv(vulnFixture(file), 'grid-co'));
      expect(r.code, file).toBe(code);
      expect(r.stderr, file).toContain(`[${error}]`);
      expect(r.stderr, file).toContain(file);
    }
    const missing = await cli(reportArgv(join(dir, 'nope.json'), 'grid-co'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[E_INPUT]');
    const notFinding = join(dir, 'other.json');
    await writeFile(notFinding, '{"hello": 1}');
    const neither = await cli(reportArgv(notFinding, 'grid-co'));
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('neither an OSV record');
    expect(await json<ListRow[]>(['vuln', 'list'])).toEqual([]);
    expect(readAuditRecords(db).filter((e) => e.type === 'vuln.reported')).toEqual([]);
  });

  it('merges the same vulnerability reported as OSV and as SARIF, crediting both reporters', async () => {
    await reportTunnelkitTwice(clearinghouse);
    const again = await json<{ outcome: string }[]>(
      reportArgv(vulnFixture('tunnelkit.sarif.json'), 'grid-co'),
    );
    expect(again).toMatchObject([{ outcome: 'already-reported' }]);
    const code = await json<{ id: string; outcome: string }[]>(
      reportArgv(vulnFixture('sqli.sarif.json'), 'shop'),
    );
    expect(code).toMatchObject([{ id: 'RLV-2026-2', outcome: 'new' }]);
    const list = await json<ListRow[]>(['vuln', 'list']);
    expect(list.map((f) => [f.id, f.state, f.reporters])).toEqual([
      ['RLV-2026-1', 'reported', ['frontier-ai', 'grid-co']],
      ['RLV-2026-2', 'reported', ['shop']],
    ]);
  });

  it("authenticates a signed report: the signature must be the participant's, over these bytes", async () => {
    const copy = join(dir, 'signed.osv.json');
    const text = (await readFile(vulnFixture('tunnelkit.osv.json'), 'utf8')).replace(
      'OSV-2026-0001',
      'OSV-2026-0099',
    );
    await writeFile(copy, text.replace('CVE-2026-41234', 'CVE-2026-41299'));
    expect((await bare(['sign', copy, '--identity', join(keys, 'shop.key')])).code).toBe(0);
    const wrongSigner = await cli(reportArgv(copy, 'grid-co', '--signature', `${copy}.minisig`));
    expect(wrongSigner.code).toBe(6);
    expect(wrongSigner.stderr).toContain('[E_UNTRUSTED_SIGNER]');
    await writeFile(copy, `${await readFile(copy, 'utf8')} `);
    const altered = await cli(reportArgv(copy, 'shop', '--signature', `${copy}.minisig`));
    expect(altered.code).toBe(6);
    expect(altered.stderr).toContain('[E_TAMPERED]');
    expect((await json<ListRow[]>(['vuln', 'list'])).map((f) => f.id)).toEqual(['RLV-2026-1', 'RLV-2026-2']);
    await rm(`${copy}.minisig`);
    expect((await bare(['sign', copy, '--identity', join(keys, 'shop.key')])).code).toBe(0);
    const signed = await cli(reportArgv(copy, 'shop', '--signature', `${copy}.minisig`));
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toContain('signature of shop verified');
    expect(
      readAuditRecords(db)
        .filter((e) => e.type === 'vuln.reported')
        .at(-1)?.data.signed,
    ).toBe(true);
    const id = signed.stdout.match(/RLV-2026-\d+/)?.[0] ?? '';
    expect((await cli(operatorArgv('reject', id, '--reason', 'test duplicate of a scan'))).code).toBe(0);
    const again = await cli(reportArgv(copy, 'grid-co'));
    expect(again.stdout).toContain(`closed earlier as rejected: see "redline vuln show ${id}"`);
  });

  it('refuses --reproducer for a file with several findings', async () => {
    const r = await cli(
      reportArgv(vulnFixture('sarif-two-results.json'), 'shop', '--reproducer', REPRODUCER_OK),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exactly one finding');
  });
});

describe('validation and the queue', () => {
  it('validates only after triage', async () => {
    const early = await cli(operatorArgv('validate', 'RLV-2026-1'));
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('triage it first');
  });

  it('explains the queue order: SSVC decision first, then CVSS score', async () => {
    const queue = await expectTunnelkitQueue(clearinghouse);
    expect(queue[0]?.explanation).toContain('exploitation none > automatable yes > technical impact total');
    expect(queue[0]?.explanation).toContain('CVSS 3.1 base 9.8 (Critical)');
  });

  it('moves a triaged finding to validated when its reproducer shows the signal in the sandbox', async () => {
    await validateTunnelkit(clearinghouse);
    const queue = await json<{ id: string; decision: string }[]>(['vuln', 'queue']);
    expect(queue[0]).toMatchObject({ id: 'RLV-2026-1', decision: 'act' });
    // A validated finding's reproducer is fixed: a later report cannot swap it, and stores nothing.
    const late = await cli(
      reportArgv(
        vulnFixture('tunnelkit.osv.json'),
        'shop',
        '--reproducer',
        vulnFixture('repro-fails', 'reproducer.json'),
      ),
    );
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
          vulnFixture('repro-fails', 'reproducer.json'),
          '--participant',
          'grid-co',
        ])
      ).stderr,
    ).toContain('did not report RLV-2026-2');
    const attach = await cli([
      'vuln',
      'reproducer',
      'RLV-2026-2',
      vulnFixture('repro-fails', 'reproducer.json'),
      '--participant',
      'shop',
    ]);
    expect(attach.code, attach.stderr).toBe(0);
    expect((await cli(operatorArgv('triage', 'RLV-2026-2', '--affected', 'shop'))).code).toBe(0);
    const r = await cli(operatorArgv('validate', 'RLV-2026-2'));
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
    expect((await cli(operatorArgv('reject', 'RLV-2026-2', '--reason', 'not reproducible'))).code).toBe(0);
    const again = await cli(operatorArgv('triage', 'RLV-2026-2'));
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('rejected is final');
    const queue = await json<{ id: string }[]>(['vuln', 'queue']);
    expect(queue.map((q) => q.id)).toEqual(['RLV-2026-1']);
  });
});

describe('patch, sealed advisories and the embargo', () => {
  it('registers a patch for the validated finding', async () => {
    const patch = join(dir, 'fix.patch');
    await writeFile(patch, TUNNELKIT_PATCH);
    const r = await cli(['vuln', 'patch', 'RLV-2026-1', patch, '--operator', 'clearinghouse']);
    expect(r.code, r.stderr).toBe(0);
    const refused = await cli(['vuln', 'patch', 'RLV-2026-2', patch, '--operator', 'clearinghouse']);
    expect(refused.code).toBe(3);
  });

  it('seals one advisory per affected participant and none to others', async () => {
    const past = await cli(notifyArgv('RLV-2026-1', keys, advisories, '--embargo-until', '2020-01-01'));
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('not in the future');
    const wrongKey = await cli(
      operatorArgv('notify', 'RLV-2026-1', '--identity', join(keys, 'grid-co.key'), '--out-dir', advisories),
    );
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('[E_KEY]');
    await notifyTunnelkit(clearinghouse, keys, advisories);
    const earlier = await cli(
      notifyArgv('RLV-2026-1', keys, join(dir, 'advisories-2'), '--embargo-until', '2027-01-10'),
    );
    expect(earlier.code).toBe(3);
    expect(earlier.stderr).toContain('--earlier-embargo');
  });

  it('lets an affected participant open theirs, with the patch, and no one else', async () => {
    const advisory = await openGridCoAdvisory(clearinghouse, keys, advisories, join(dir, 'grid-fix.patch'));
    expect(advisory).toMatchObject({
      findingId: 'RLV-2026-1',
      participant: 'grid-co',
      embargoUntil: EMBARGO,
      affectedVersions: ['pkg:npm/tunnelkit@1.6.0'],
      decision: { ssvc: 'act' },
    });
    const file = join(advisories, 'RLV-2026-1.grid-co.advisory.json');
    const trust = join(keys, 'clearinghouse.pub.json');
    const human = await bare(
      openAdvisoryArgv(file, join(keys, 'grid-co.age'), trust),
      new Date('2026-12-02T00:00:00Z'),
    );
    expect(human.stdout).toContain(`EMBARGOED until ${EMBARGO}`);

    const shop = await bare(openAdvisoryArgv(file, join(keys, 'shop.age'), trust));
    expect(shop.code).toBe(6);
    expect(shop.stderr).toContain('[E_NOT_RECIPIENT]');
    const forged = await bare(
      openAdvisoryArgv(file, join(keys, 'grid-co.age'), join(keys, 'grid-co.pub.json')),
    );
    expect(forged.code).toBe(6);
    const tampered = join(dir, 'tampered.json');
    const sealed = JSON.parse(await readFile(file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await writeFile(tampered, JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') }));
    const altered = await bare(openAdvisoryArgv(tampered, join(keys, 'grid-co.age'), trust));
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
    const before = await cli(operatorArgv('export', 'RLV-2026-1', '--osv'), new Date('2027-01-14T23:59:59Z'));
    expect(before.code).toBe(3);
    expect(before.stderr).toContain(`embargoed until ${EMBARGO}`);
    expect(before.stdout).toBe('');
    const at = await cli(operatorArgv('export', 'RLV-2026-1', '--osv', '--credit'), new Date(EMBARGO));
    expect(at.code, at.stderr).toBe(0);
    const record = JSON.parse(at.stdout) as { id: string; published: string; credits: { name: string }[] };
    expect(record.id).toBe('RLV-2026-1');
    expect(record.published).toBe(EMBARGO);
    expect(record.credits.map((c) => c.name)).toEqual(['frontier-ai org', 'grid-co org']);
    // The export is a valid OSV record describing the same vulnerability.
    await expectTunnelkitFingerprint(at.stdout);
    const rejected = await cli(
      operatorArgv('export', 'RLV-2026-2', '--osv'),
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
    const reported = await json<{ id: string; outcome: string }[]>(reportArgv(other, 'shop'));
    expect(reported[0]?.outcome).toBe('new');
    const id = reported[0]!.id;
    expect((await cli(operatorArgv('duplicate', id, '--of', id))).code).toBe(2);
    const ofRejected = await cli(operatorArgv('duplicate', id, '--of', 'RLV-2026-2'));
    expect(ofRejected.code).toBe(3);
    expect(ofRejected.stderr).toContain('RLV-2026-2 is rejected');
    const r = await cli(operatorArgv('duplicate', id, '--of', 'RLV-2026-1'));
    expect(r.code, r.stderr).toBe(0);
    const list = await json<(ListRow & { duplicateOf: string | null })[]>(['vuln', 'list']);
    expect(list.find((f) => f.id === id)).toMatchObject({ state: 'duplicate', duplicateOf: 'RLV-2026-1' });
    expect(list.find((f) => f.id === 'RLV-2026-1')?.reporters).toEqual(['frontier-ai', 'grid-co', 'shop']);
    const human = await cli(['vuln', 'show', 'RLV-2026-1']);
    expect(human.stdout).toContain(`{"event":"merged","duplicate":"${id}"}`);
    expect(human.stdout).toContain('REPRODUCED');
  });

  it('audit-logs every mutating command with the acting participant, and the log verifies', async () => {
    const events = readAuditRecords(db).filter((e) => e.type.startsWith('vuln.'));
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
