import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../../src/crypto/canonical-bytes.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import {
  decodeMinisignPublicKey,
  encodeMinisignPublicKey,
  formatKeynum,
  formatMinisignPublicKeyFile,
  formatMinisignSecretKeyFile,
  generateMinisignKey,
  minisignKeyFromSeed,
  parseMinisignPublicKeyFile,
  parseMinisignSecretKeyFile,
} from '../../../src/crypto/minisign.js';
import { isRedlineError } from '../../../src/errors.js';
import { fixedRandom } from './keys/fixed-random.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

// Written by the real `minisign -G -W -p x.pub -s x.key` (0.11) for these tests: salt, limits and checksum zero.
const MINISIGN_W_PUB =
  'untrusted comment: minisign public key EB32CE19BB6DC592\nRWSSxW27Gc4y6+mqxwNTfFwTCCCpHAsPVdwuk9Kqp3ZW7sgclC1Gh4e+\n';
const MINISIGN_W_KEY =
  'untrusted comment: minisign encrypted secret key\n' +
  'RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAksVtuxnOMutBQ6wve8VFqnSqcrA7U605Z4gnKKFEjG1+5McSKWro9+mqxwNTfFwTCCCpHAsPVdwuk9Kqp3ZW7sgclC1Gh4e+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
// Written by `minisign -G` with a password, then `minisign -C -W` (password removed): salt and limits kept,
// checksum computed by minisign.
const MINISIGN_CW_PUB =
  'untrusted comment: minisign public key E365C86686CAB6CD\nRWTNtsqGZshl4xEPqEKLFyOAyCVgJIgOiB45bR9OmfPtSiCe681xxo3r\n';
const MINISIGN_CW_KEY =
  'untrusted comment: minisign encrypted secret key\n' +
  'RWQAAEIylKrDlmc4aUpoL6Y0I33Brh3gs1QBnyU3VVQwM4uZ6ckAAAACAAAAAAAAAEAAAAAAzbbKhmbIZePxcOKmoGqu4HCTh2v65xgCnj6ux9SYBE/Wm93Gi+A+vREPqEKLFyOAyCVgJIgOiB45bR9OmfPtSiCe681xxo3rIPSFSPEZ+vUERbrFYGi+Ybzbvxjwkv1hoNYE2HPCmGc=\n';
// The same key, still encrypted with the password (kdf 'Sc').
const MINISIGN_ENCRYPTED_KEY =
  'untrusted comment: minisign encrypted secret key\n' +
  'RWRTY0IylKrDlmc4aUpoL6Y0I33Brh3gs1QBnyU3VVQwM4uZ6ckAAAACAAAAAAAAAEAAAAAAelzy7yrGl4FGRYueB8eucEHNaN+q5RcWP+rQ3hRhZfA42rEQdddci9pcExqir9d4A1P1PeQlMN2uSYQEyNcq1oVH8oOAGCUhK3JzsllbWVPrKuvjuASj/A7kURMubOopi9+GyQIsDeE=\n';

/** The secret key file with its base64 line's decoded bytes passed through `edit`. */
function editSecretKey(text: string, edit: (bytes: Uint8Array) => void): string {
  const [comment, line] = text.split('\n');
  const bytes = new Uint8Array(Buffer.from(line ?? '', 'base64'));
  edit(bytes);
  return `${comment}\n${encodeBase64(bytes)}\n`;
}

describe('minisign key numbers', () => {
  it('prints a keynum as minisign does: little-endian u64, 16 upper-case hex digits', () => {
    const { keynum } = parseMinisignPublicKeyFile(MINISIGN_W_PUB, 'x.pub');
    expect(Buffer.from(keynum).toString('hex')).toBe('92c56dbb19ce32eb');
    expect(formatKeynum(keynum)).toBe('EB32CE19BB6DC592');
  });
});

describe('minisign public keys', () => {
  it('reads a public key file written by minisign and writes it back byte for byte', () => {
    const key = parseMinisignPublicKeyFile(MINISIGN_W_PUB, 'x.pub');
    expect(formatMinisignPublicKeyFile(key)).toBe(MINISIGN_W_PUB);
    expect(key.keyId).toBe(keyIdOf(key.publicKey));
  });

  it('round-trips a generated key through the base64 form', () => {
    const key = generateMinisignKey(fixedRandom('minisign-pk'));
    const text = encodeMinisignPublicKey(key);
    expect(text).toMatch(/^RW[A-Za-z0-9+/]{54}$/);
    const decoded = decodeMinisignPublicKey(text);
    expect(decoded.publicKey).toEqual(key.publicKey);
    expect(decoded.keynum).toEqual(key.keynum);
  });

  it('refuses bad base64, a wrong length and a wrong algorithm with E_MALFORMED / E_KEY', () => {
    expect(codeOf(() => decodeMinisignPublicKey('RWS!xW27'))).toBe('E_MALFORMED');
    expect(codeOf(() => decodeMinisignPublicKey(encodeBase64(new Uint8Array(41))))).toBe('E_MALFORMED');
    const wrongAlg = new Uint8Array(42);
    wrongAlg.set([0x45, 0x44]);
    expect(codeOf(() => decodeMinisignPublicKey(encodeBase64(wrongAlg)))).toBe('E_KEY');
  });

  it('refuses a secret key where a public key is expected (E_KEY)', () => {
    expect(codeOf(() => parseMinisignPublicKeyFile(MINISIGN_W_KEY, 'x.key'))).toBe('E_KEY');
  });

  it('refuses a file without the comment line or with extra lines (E_MALFORMED)', () => {
    const line = MINISIGN_W_PUB.split('\n')[1] ?? '';
    expect(codeOf(() => parseMinisignPublicKeyFile(`${line}\n`, 'x.pub'))).toBe('E_MALFORMED');
    expect(codeOf(() => parseMinisignPublicKeyFile(`${MINISIGN_W_PUB}more\n`, 'x.pub'))).toBe('E_MALFORMED');
  });
});

describe('minisign secret keys', () => {
  it('loads a key written by `minisign -G -W` (zero checksum) matching its public key', () => {
    const key = parseMinisignSecretKeyFile(MINISIGN_W_KEY, 'x.key');
    const pub = parseMinisignPublicKeyFile(MINISIGN_W_PUB, 'x.pub');
    expect(key.publicKey).toEqual(pub.publicKey);
    expect(key.keynum).toEqual(pub.keynum);
    expect(key.secretKey).toHaveLength(64);
  });

  it('loads a key whose password was removed with `minisign -C -W` (real checksum, salt kept)', () => {
    const key = parseMinisignSecretKeyFile(MINISIGN_CW_KEY, 'e.key');
    expect(key.publicKey).toEqual(parseMinisignPublicKeyFile(MINISIGN_CW_PUB, 'e.pub').publicKey);
  });

  it('computes the same checksum as minisign: BLAKE2b-256(sig_alg || keynum || sk)', () => {
    const key = parseMinisignSecretKeyFile(MINISIGN_CW_KEY, 'e.key');
    const ours = Buffer.from(formatMinisignSecretKeyFile(key).split('\n')[1] ?? '', 'base64');
    const theirs = Buffer.from(MINISIGN_CW_KEY.split('\n')[1] ?? '', 'base64');
    expect(ours.subarray(126).toString('hex')).toBe(theirs.subarray(126).toString('hex'));
  });

  it('writes the layout of `minisign -W`: Ed, no KDF, B2, zero salt and limits', () => {
    const key = minisignKeyFromSeed(new Uint8Array(32).fill(1), new Uint8Array(8).fill(2));
    const text = formatMinisignSecretKeyFile(key);
    const [comment, line] = text.split('\n');
    expect(comment).toBe('untrusted comment: minisign secret key');
    const bytes = Buffer.from(line ?? '', 'base64');
    expect(bytes).toHaveLength(158);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('Ed\0\0B2');
    expect(bytes.subarray(6, 54).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(54, 62)).toEqual(Buffer.alloc(8, 2));
    expect(bytes.subarray(62, 126)).toEqual(Buffer.from(key.secretKey));
    const back = parseMinisignSecretKeyFile(text, 'k.key');
    expect(back.secretKey).toEqual(key.secretKey);
    expect(back.keyId).toBe(key.keyId);
  });

  it('refuses an encrypted key (kdf "Sc") with E_KEY, saying how to remove the password', () => {
    try {
      parseMinisignSecretKeyFile(MINISIGN_ENCRYPTED_KEY, 'e.key');
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_KEY')).toBe(true);
      expect((error as Error).message).toContain('-W');
    }
  });

  it('refuses a corrupted checksum (E_MALFORMED)', () => {
    const bad = editSecretKey(MINISIGN_CW_KEY, (b) => {
      b[157] = (b[157] ?? 0) ^ 1;
    });
    expect(codeOf(() => parseMinisignSecretKeyFile(bad, 'e.key'))).toBe('E_MALFORMED');
  });

  it('refuses a secret key whose public half does not match its seed (E_MALFORMED)', () => {
    const bad = editSecretKey(MINISIGN_W_KEY, (b) => {
      b[100] = (b[100] ?? 0) ^ 1;
    });
    expect(codeOf(() => parseMinisignSecretKeyFile(bad, 'x.key'))).toBe('E_MALFORMED');
  });

  it('refuses unknown algorithms with E_KEY', () => {
    const badKdf = editSecretKey(MINISIGN_W_KEY, (b) => b.set([0x41, 0x41], 2));
    const badChk = editSecretKey(MINISIGN_W_KEY, (b) => b.set([0x42, 0x33], 4));
    const badSig = editSecretKey(MINISIGN_W_KEY, (b) => b.set([0x45, 0x44], 0));
    expect(codeOf(() => parseMinisignSecretKeyFile(badKdf, 'x.key'))).toBe('E_KEY');
    expect(codeOf(() => parseMinisignSecretKeyFile(badChk, 'x.key'))).toBe('E_KEY');
    expect(codeOf(() => parseMinisignSecretKeyFile(badSig, 'x.key'))).toBe('E_KEY');
  });

  it('refuses other kinds of file: a public key, an age identity, JSON (E_KEY); garbage (E_MALFORMED)', () => {
    expect(codeOf(() => parseMinisignSecretKeyFile(MINISIGN_W_PUB, 'x.pub'))).toBe('E_KEY');
    expect(
      codeOf(() =>
        parseMinisignSecretKeyFile(
          'AGE-SECRET-KEY-1CKN95E3HC5EEWHGGPPACNNRFRHPYVYYSRLTC72FC2UP2DPANJMAQ99UA32\n',
          'id.age',
        ),
      ),
    ).toBe('E_KEY');
    expect(codeOf(() => parseMinisignSecretKeyFile('{"id": "x"}\n', 'x.pub.json'))).toBe('E_KEY');
    expect(codeOf(() => parseMinisignSecretKeyFile('untrusted comment: x\nnot base64!\n', 'x.key'))).toBe(
      'E_MALFORMED',
    );
    expect(codeOf(() => parseMinisignSecretKeyFile('', 'x.key'))).toBe('E_MALFORMED');
  });

  it('accepts CRLF line endings', () => {
    const key = parseMinisignSecretKeyFile(MINISIGN_W_KEY.replaceAll('\n', '\r\n'), 'x.key');
    expect(formatKeynum(key.keynum)).toBe('EB32CE19BB6DC592');
  });
});

describe('minisignKeyFromSeed', () => {
  it('derives the RFC 8032 test 1 public key from its seed', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const key = minisignKeyFromSeed(seed, new Uint8Array(8));
    expect(Buffer.from(key.publicKey).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
  });

  it('refuses a seed or keynum of the wrong length (E_KEY)', () => {
    expect(codeOf(() => minisignKeyFromSeed(new Uint8Array(31), new Uint8Array(8)))).toBe('E_KEY');
    expect(codeOf(() => minisignKeyFromSeed(new Uint8Array(32), new Uint8Array(7)))).toBe('E_KEY');
  });
});

describe('formatKeynum with leading zeros', () => {
  it('prints the key number as minisign does, without leading zeros (printf %PRIX64)', () => {
    // Little-endian u64 0x08FEC1D327996DD8.
    const keynum = Uint8Array.from([0xd8, 0x6d, 0x99, 0x27, 0xd3, 0xc1, 0xfe, 0x08]);
    expect(formatKeynum(keynum)).toBe('8FEC1D327996DD8');
    expect(formatKeynum(new Uint8Array(8))).toBe('0');
  });
});
