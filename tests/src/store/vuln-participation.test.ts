/**
 * What participants hold in the clearinghouse, on both backends: scan claims, inventories and notifications.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/store/db.js';
import { insertFinding } from '../../../src/store/vuln-findings.js';
import {
  addInventory,
  insertScanClaim,
  listInventory,
  listNotifications,
  listScanClaims,
  moveNotification,
  recordNotification,
  releaseScanClaim,
  removeInventory,
} from '../../../src/store/vuln-participation.js';
import type { InventoryItem } from '../../../src/vuln/affected.js';
import type { ScanClaim } from '../../../src/vuln/scan-claims.js';
import { codeOf } from '../../helpers/error-of.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

function claim(participant: string, scope: ScanClaim['scope']): ScanClaim {
  return { participant, scope, from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' };
}

/** Inserts a finding (notifications refer to one) and returns its id. */
function insertOneFinding(db: Db, fingerprint: string): string {
  return insertFinding(db, {
    finding: {
      source: 'osv',
      sourceId: 'OSV-2099-1',
      title: 'Widget overflow',
      details: '',
      package: { purl: 'pkg:npm/widget', ecosystem: 'npm', name: 'widget' },
      ranges: [{ type: 'SEMVER', introduced: '0', fixed: '2.0.0' }],
      cwe: [],
      cvssVector: null,
      evidence: {},
      aliases: [],
    },
    fingerprint,
    reporter: {
      participant: 'alpha-lab',
      source: 'osv',
      sourceId: 'OSV-2099-1',
      fileSha256: 'ef'.repeat(32),
      reportedAt: '2026-03-01T00:00:00Z',
    },
  });
}

describe.each(storeBackends())('participation on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('scan claims', () => {
    it('stores a claim with id SC-<n>, counting from 1, and reads it back', () => {
      const { db } = backend.open();
      const first = claim('red', { purl: 'pkg:npm/lodash', range: '>=4.0.0 <4.17.21' });
      expect(insertScanClaim(db, first, '2029-12-01T00:00:00Z')).toBe('SC-1');
      expect(insertScanClaim(db, claim('blue', { cidr: '10.20.0.0/16' }), '2029-12-02T00:00:00Z')).toBe(
        'SC-2',
      );
      expect(listScanClaims(db)).toEqual([
        { id: 'SC-1', ...first, claimedAt: '2029-12-01T00:00:00Z', releasedAt: null },
        {
          id: 'SC-2',
          ...claim('blue', { cidr: '10.20.0.0/16' }),
          claimedAt: '2029-12-02T00:00:00Z',
          releasedAt: null,
        },
      ]);
      db.close();
    });

    it('counts and lists numerically past SC-9, also after reopening the file', () => {
      const store = backend.open();
      for (let i = 0; i < 10; i++)
        insertScanClaim(store.db, claim('red', { host: `h${i}.example` }), '2029-12-01T00:00:00Z');
      store.db.close();
      const reopened = store.reopen();
      expect(insertScanClaim(reopened, claim('red', { host: 'h10.example' }), '2029-12-01T00:00:00Z')).toBe(
        'SC-11',
      );
      expect(listScanClaims(reopened).map((c) => c.id)).toEqual(
        Array.from({ length: 11 }, (_, i) => `SC-${i + 1}`),
      );
      reopened.close();
    });

    it('hides released claims unless asked, and does not reuse their ids', () => {
      const { db } = backend.open();
      insertScanClaim(db, claim('red', { host: 'a.example' }), '2029-12-01T00:00:00Z');
      insertScanClaim(db, claim('blue', { host: 'b.example' }), '2029-12-01T00:00:00Z');
      const released = releaseScanClaim(db, 'SC-1', '2029-12-05T00:00:00Z');
      expect(released).toMatchObject({ id: 'SC-1', participant: 'red', releasedAt: '2029-12-05T00:00:00Z' });
      expect(listScanClaims(db).map((c) => c.id)).toEqual(['SC-2']);
      expect(listScanClaims(db, { includeReleased: false }).map((c) => c.id)).toEqual(['SC-2']);
      expect(listScanClaims(db, { includeReleased: true }).map((c) => [c.id, c.releasedAt])).toEqual([
        ['SC-1', '2029-12-05T00:00:00Z'],
        ['SC-2', null],
      ]);
      expect(insertScanClaim(db, claim('red', { host: 'c.example' }), '2029-12-06T00:00:00Z')).toBe('SC-3');
      db.close();
    });

    it('refuses to release a claim twice (E_STATE), keeping the first release time', () => {
      const { db } = backend.open();
      insertScanClaim(db, claim('red', { host: 'a.example' }), '2029-12-01T00:00:00Z');
      releaseScanClaim(db, 'SC-1', '2029-12-05T00:00:00Z');
      expect(codeOf(() => releaseScanClaim(db, 'SC-1', '2029-12-06T00:00:00Z'))).toBe('E_STATE');
      expect(listScanClaims(db, { includeReleased: true })[0]?.releasedAt).toBe('2029-12-05T00:00:00Z');
      db.close();
    });

    it('gives E_NOT_FOUND for an unknown claim', () => {
      const { db } = backend.open();
      expect(codeOf(() => releaseScanClaim(db, 'SC-1', '2029-12-05T00:00:00Z'))).toBe('E_NOT_FOUND');
      insertScanClaim(db, claim('red', { host: 'a.example' }), '2029-12-01T00:00:00Z');
      expect(codeOf(() => releaseScanClaim(db, 'SC-2', '2029-12-05T00:00:00Z'))).toBe('E_NOT_FOUND');
      expect(codeOf(() => releaseScanClaim(db, 'sc-1', '2029-12-05T00:00:00Z'))).toBe('E_NOT_FOUND');
      db.close();
    });
  });

  describe('inventory', () => {
    const item = (participant: string, purl: string, version: string): InventoryItem => ({
      participant,
      purl,
      version,
    });

    it('counts new items, ignoring ones already held', () => {
      const { db } = backend.open();
      const items = [
        item('zeta', 'pkg:npm/widget', '1.0.0'),
        item('alpha', 'pkg:npm/widget', '1.1.0'),
        item('alpha', 'pkg:npm/widget', '1.0.0'),
      ];
      expect(addInventory(db, items, '2026-01-01T00:00:00Z')).toBe(3);
      expect(addInventory(db, items, '2026-01-02T00:00:00Z')).toBe(0);
      expect(
        addInventory(
          db,
          [item('alpha', 'pkg:npm/widget', '1.0.0'), item('alpha', 'pkg:pypi/widget', '1.0')],
          'x',
        ),
      ).toBe(1);
      // Duplicates within one call count once.
      expect(addInventory(db, [item('beta', 'pkg:npm/a', '1'), item('beta', 'pkg:npm/a', '1')], 'x')).toBe(1);
      expect(listInventory(db)).toEqual([
        item('alpha', 'pkg:npm/widget', '1.0.0'),
        item('alpha', 'pkg:npm/widget', '1.1.0'),
        item('alpha', 'pkg:pypi/widget', '1.0'),
        item('beta', 'pkg:npm/a', '1'),
        item('zeta', 'pkg:npm/widget', '1.0.0'),
      ]);
      db.close();
    });

    it('counts removed items that were held, and removing again removes nothing', () => {
      const { db } = backend.open();
      addInventory(
        db,
        [item('alpha', 'pkg:npm/widget', '1.0.0'), item('alpha', 'pkg:npm/widget', '1.1.0')],
        '2026-01-01T00:00:00Z',
      );
      const gone = [item('alpha', 'pkg:npm/widget', '1.0.0'), item('beta', 'pkg:npm/widget', '1.1.0')];
      expect(removeInventory(db, gone)).toBe(1);
      expect(removeInventory(db, gone)).toBe(0);
      expect(removeInventory(db, [])).toBe(0);
      expect(listInventory(db)).toEqual([item('alpha', 'pkg:npm/widget', '1.1.0')]);
      db.close();
    });
  });

  describe('notifications', () => {
    const notice = (findingId: string, participant: string, advisoryId: string, at: string) => ({
      findingId,
      participant,
      advisoryId,
      fileSha256: advisoryId.endsWith('2') ? '22'.repeat(32) : '11'.repeat(32),
      at,
    });

    it('records a notification in state notified', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-1', '2026-04-01T00:00:00Z'));
      expect(listNotifications(db, id)).toEqual([
        {
          findingId: id,
          participant: 'alpha-grid',
          state: 'notified',
          advisoryId: 'ADV-1',
          fileSha256: '11'.repeat(32),
          notifiedAt: '2026-04-01T00:00:00Z',
          acknowledgedAt: null,
          remediatedAt: null,
        },
      ]);
      db.close();
    });

    it('lists by finding and participant, all or of one finding', () => {
      const { db } = backend.open();
      const first = insertOneFinding(db, 'aa'.repeat(32));
      const second = insertOneFinding(db, 'bb'.repeat(32));
      recordNotification(db, notice(second, 'alpha', 'ADV-1', '2026-04-01T00:00:00Z'));
      recordNotification(db, notice(first, 'zeta', 'ADV-1', '2026-04-01T00:00:00Z'));
      recordNotification(db, notice(first, 'beta', 'ADV-1', '2026-04-01T00:00:00Z'));
      expect(listNotifications(db).map((n) => [n.findingId, n.participant])).toEqual([
        [first, 'beta'],
        [first, 'zeta'],
        [second, 'alpha'],
      ]);
      expect(listNotifications(db, second).map((n) => n.participant)).toEqual(['alpha']);
      expect(listNotifications(db, 'RLV-2026-99')).toEqual([]);
      db.close();
    });

    it('keeps the state reached when notified again, recording the latest advisory', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-1', '2026-04-01T00:00:00Z'));
      moveNotification(db, id, 'alpha-grid', 'acknowledged', '2026-04-02T00:00:00Z');
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-2', '2026-04-10T00:00:00Z'));
      expect(listNotifications(db, id)).toEqual([
        {
          findingId: id,
          participant: 'alpha-grid',
          state: 'acknowledged',
          advisoryId: 'ADV-2',
          fileSha256: '22'.repeat(32),
          notifiedAt: '2026-04-10T00:00:00Z',
          acknowledgedAt: '2026-04-02T00:00:00Z',
          remediatedAt: null,
        },
      ]);
      db.close();
    });

    it('moves forward: notified -> acknowledged -> remediated, keeping the acknowledgement time', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-1', '2026-04-01T00:00:00Z'));
      const acknowledged = moveNotification(db, id, 'alpha-grid', 'acknowledged', '2026-04-02T00:00:00Z');
      expect(acknowledged).toMatchObject({
        state: 'acknowledged',
        acknowledgedAt: '2026-04-02T00:00:00Z',
        remediatedAt: null,
      });
      expect(listNotifications(db, id)).toEqual([acknowledged]);
      const remediated = moveNotification(db, id, 'alpha-grid', 'remediated', '2026-04-03T00:00:00Z');
      expect(remediated).toMatchObject({
        state: 'remediated',
        acknowledgedAt: '2026-04-02T00:00:00Z',
        remediatedAt: '2026-04-03T00:00:00Z',
      });
      expect(listNotifications(db, id)).toEqual([remediated]);
      db.close();
    });

    it('sets acknowledgedAt too when remediation comes without an acknowledgement', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-1', '2026-04-01T00:00:00Z'));
      const remediated = moveNotification(db, id, 'alpha-grid', 'remediated', '2026-04-05T00:00:00Z');
      expect(remediated).toMatchObject({
        state: 'remediated',
        acknowledgedAt: '2026-04-05T00:00:00Z',
        remediatedAt: '2026-04-05T00:00:00Z',
      });
      expect(listNotifications(db, id)).toEqual([remediated]);
      db.close();
    });

    it('refuses E_ACCESS for a participant never notified of the finding', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      const other = insertOneFinding(db, 'bb'.repeat(32));
      recordNotification(db, notice(other, 'beta-bank', 'ADV-1', '2026-04-01T00:00:00Z'));
      expect(
        codeOf(() => moveNotification(db, id, 'beta-bank', 'acknowledged', '2026-04-02T00:00:00Z')),
      ).toBe('E_ACCESS');
      expect(codeOf(() => moveNotification(db, id, 'nobody', 'remediated', '2026-04-02T00:00:00Z'))).toBe(
        'E_ACCESS',
      );
      expect(listNotifications(db, id)).toEqual([]);
      db.close();
    });

    it('refuses E_STATE for a move backwards or to the same state, changing nothing', () => {
      const { db } = backend.open();
      const id = insertOneFinding(db, 'aa'.repeat(32));
      recordNotification(db, notice(id, 'alpha-grid', 'ADV-1', '2026-04-01T00:00:00Z'));
      moveNotification(db, id, 'alpha-grid', 'acknowledged', '2026-04-02T00:00:00Z');
      expect(
        codeOf(() => moveNotification(db, id, 'alpha-grid', 'acknowledged', '2026-04-03T00:00:00Z')),
      ).toBe('E_STATE');
      moveNotification(db, id, 'alpha-grid', 'remediated', '2026-04-04T00:00:00Z');
      const before = listNotifications(db, id);
      expect(
        codeOf(() => moveNotification(db, id, 'alpha-grid', 'acknowledged', '2026-04-05T00:00:00Z')),
      ).toBe('E_STATE');
      expect(codeOf(() => moveNotification(db, id, 'alpha-grid', 'remediated', '2026-04-05T00:00:00Z'))).toBe(
        'E_STATE',
      );
      expect(listNotifications(db, id)).toEqual(before);
      db.close();
    });
  });
});
