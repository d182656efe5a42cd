import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkViewOut, isSealedFile } from '../../../harness/view/check-view-out.js';
import { errorOf } from '../../helpers/error-of.js';

const root = mkdtempSync(join(tmpdir(), 'redline-view-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The head of a file `redline assess` writes. */
const SEALED = `{\n  "type": "redline.sealed-dsse/v1",\n  "recipients": []\n}\n`;

function dir(...parts: string[]): string {
  const path = join(root, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('checkViewOut', () => {
  it('accepts a new directory, an empty one and a previous view', () => {
    expect(checkViewOut('fresh/view', dir('a'))).toEqual({
      dir: join(root, 'a', 'fresh', 'view'),
      state: 'new',
    });
    expect(checkViewOut(dir('b', 'empty'), root).state).toBe('empty');
    const previous = dir('c', 'view');
    writeFileSync(join(previous, '.redline-view'), '{}');
    writeFileSync(join(previous, 'index.html'), '');
    dir('c', 'view', 'data');
    writeFileSync(join(previous, 'data', 'meta.js'), '');
    writeFileSync(join(previous, 'data', 'r0-s0000.js'), '');
    expect(checkViewOut(previous, root).state).toBe('previous-view');
  });

  it('refuses a non-empty directory that is not a previous view', () => {
    const other = dir('d', 'docs');
    writeFileSync(join(other, 'notes.txt'), 'mine');
    expect(errorOf(() => checkViewOut(other, root))?.code).toBe('E_USAGE');
  });

  it('refuses a previous view holding a file a view does not write', () => {
    const previous = dir('e', 'view');
    writeFileSync(join(previous, '.redline-view'), '{}');
    dir('e', 'view', 'data');
    writeFileSync(join(previous, 'data', 'notes.js'), '');
    expect(errorOf(() => checkViewOut(previous, root))?.code).toBe('E_USAGE');
  });

  it('refuses a file', () => {
    writeFileSync(join(dir('f'), 'file'), '');
    expect(errorOf(() => checkViewOut(join(root, 'f', 'file'), root))?.code).toBe('E_USAGE');
  });

  it('refuses a directory beside a sealed file, or under one that holds it, whatever the file is called', () => {
    const outgoing = dir('g', 'outgoing');
    writeFileSync(join(outgoing, 'for-acme.bin'), SEALED);
    expect(errorOf(() => checkViewOut(outgoing, root))?.code).toBe('E_USAGE');
    expect(errorOf(() => checkViewOut(join(outgoing, 'view'), root))?.code).toBe('E_USAGE');
    expect(errorOf(() => checkViewOut(join(outgoing, 'deep', 'er', 'view'), root))?.code).toBe('E_USAGE');
    // A sibling directory is fine: only the directory and its parents are checked.
    expect(checkViewOut(join(root, 'g', 'view'), root).state).toBe('new');
  });

  it('follows a symbolic link to the directory it names', () => {
    const outgoing = dir('h', 'outgoing');
    writeFileSync(join(outgoing, 'assessment.json'), SEALED);
    symlinkSync(outgoing, join(dir('h2'), 'link'));
    expect(errorOf(() => checkViewOut(join(root, 'h2', 'link', 'view'), root))?.code).toBe('E_USAGE');
  });

  it("refuses the demo's directory and anything inside it", () => {
    const cwd = dir('i');
    expect(errorOf(() => checkViewOut('.redline-demo', cwd))?.code).toBe('E_USAGE');
    expect(errorOf(() => checkViewOut('.redline-demo/view', cwd))?.code).toBe('E_USAGE');
    expect(checkViewOut('.redline-demo-view', cwd).state).toBe('new');
  });
});

describe('isSealedFile', () => {
  it('recognises the sealed-file type in the head of a file, not other JSON', () => {
    const d = dir('j');
    writeFileSync(join(d, 'sealed'), SEALED);
    writeFileSync(join(d, 'compact'), '{"type":"redline.sealed-dsse/v1","nonce":"x"}');
    writeFileSync(join(d, 'report.json'), '{"type": "redline.report", "note": "redline.sealed-dsse/v1"}');
    expect(isSealedFile(join(d, 'sealed'))).toBe(true);
    expect(isSealedFile(join(d, 'compact'))).toBe(true);
    expect(isSealedFile(join(d, 'report.json'))).toBe(false);
    expect(isSealedFile(join(d, 'missing'))).toBe(false);
  });
});
