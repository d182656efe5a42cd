/**
 * minisign signatures (`FILE.minisig`), compatible with `minisign -S` / `minisign -V` 0.11:
 *
 *   untrusted comment: <text>
 *   base64(sig_alg[2] || keynum[8] || Ed25519(message)[64])
 *   trusted comment: <text>
 *   base64(Ed25519(signature[64] || trusted comment))                       the global signature
 *
 * sig_alg 'ED' (what minisign writes by default) signs BLAKE2b-512 of the file; legacy 'Ed' signs the file itself.
 * Both are verified, as is the global signature, which protects the trusted comment.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';
import { bytesEqual, decodeBase64, encodeBase64, encodeUtf8 } from './canonical-bytes.js';
import { formatKeynum, type MinisignPublicKey, type MinisignSigningKey } from './minisign.js';

const SIG_ALG_LEGACY = Uint8Array.of(0x45, 0x64); // 'Ed': the signature covers the file itself
const SIG_ALG_PREHASHED = Uint8Array.of(0x45, 0x44); // 'ED': the signature covers BLAKE2b-512(file)
const KEYNUM_BYTES = 8;
const SIGNATURE_BYTES = 64;
const SIG_STRUCT_BYTES = 2 + KEYNUM_BYTES + SIGNATURE_BYTES;
const UNTRUSTED_PREFIX = 'untrusted comment: ';
const TRUSTED_PREFIX = 'trusted comment: ';
// minisign reads each comment line (prefix, text, LF, NUL) into a fixed buffer: TRUSTEDCOMMENTMAXBYTES = 8192,
// COMMENTMAXBYTES = 1024. It refuses (trusted) or warns about (untrusted) longer comments.
const TRUSTED_COMMENT_MAX_BYTES = 8192 - TRUSTED_PREFIX.length - 2;
const UNTRUSTED_COMMENT_MAX_BYTES = 1024 - UNTRUSTED_PREFIX.length - 2;

/** Options of {@link signFile}. */
export interface SignFileOptions {
  /** The trusted (signed) comment; default `timestamp:<unix seconds>[\tfile:<fileName>]\thashed`, as minisign. */
  trustedComment?: string;
  /** The untrusted comment; default "signature from minisign secret key". */
  untrustedComment?: string;
  /** The signed file's base name, for the default trusted comment. */
  fileName?: string;
  /** The time of the default trusted comment (default now). */
  now?: Date;
  /** Sign the file itself ('Ed', `minisign -S -l`) instead of its BLAKE2b-512 hash ('ED'). */
  isLegacy?: boolean;
}

/** What a valid signature says. */
export interface VerifiedSignature {
  /** The trusted comment, covered by the global signature. */
  trustedComment: string;
  /** The untrusted comment: anyone could have changed it. */
  untrustedComment: string;
  /** True for 'ED' (BLAKE2b-512 prehashed) signatures, false for legacy 'Ed'. */
  isPrehashed: boolean;
}

/**
 * Signs a file's bytes in minisign's format and returns the `.minisig` text.
 * @example writeFileSync('policy.json.minisig', signFile(readFileSync('policy.json'), key));
 */
export function signFile(bytes: Uint8Array, key: MinisignSigningKey, options: SignFileOptions = {}): string {
  const isPrehashed = options.isLegacy !== true;
  const trustedComment = options.trustedComment ?? defaultTrustedComment(options, isPrehashed);
  const untrustedComment = options.untrustedComment ?? 'signature from minisign secret key';
  checkComment(trustedComment, 'trusted', TRUSTED_COMMENT_MAX_BYTES);
  checkComment(untrustedComment, 'untrusted', UNTRUSTED_COMMENT_MAX_BYTES);
  const signature = nacl.sign.detached(isPrehashed ? blake2b(bytes) : bytes, key.secretKey);
  const sigStruct = new Uint8Array(SIG_STRUCT_BYTES);
  sigStruct.set(isPrehashed ? SIG_ALG_PREHASHED : SIG_ALG_LEGACY, 0);
  sigStruct.set(key.keynum, 2);
  sigStruct.set(signature, 2 + KEYNUM_BYTES);
  const globalSignature = nacl.sign.detached(concat(signature, encodeUtf8(trustedComment)), key.secretKey);
  return (
    `${UNTRUSTED_PREFIX}${untrustedComment}\n${encodeBase64(sigStruct)}\n` +
    `${TRUSTED_PREFIX}${trustedComment}\n${encodeBase64(globalSignature)}\n`
  );
}

/**
 * Verifies a `.minisig` over a file's bytes: E_MALFORMED when it does not parse, E_UNTRUSTED_SIGNER when another
 * key (another keynum) made it, E_TAMPERED when the file or the trusted comment was altered.
 * @example verifyFileSignature(readFileSync('policy.json'), readFileSync('policy.json.minisig', 'utf8'), owner)
 */
export function verifyFileSignature(
  bytes: Uint8Array,
  minisigText: string,
  publicKey: Pick<MinisignPublicKey, 'publicKey' | 'keynum'>,
): VerifiedSignature {
  const parsed = parseMinisig(minisigText);
  if (!bytesEqual(parsed.keynum, publicKey.keynum)) {
    throw new RedlineError(
      'E_UNTRUSTED_SIGNER',
      `the signature was made by minisign key ${formatKeynum(parsed.keynum)}, ` +
        `not by the expected key ${formatKeynum(publicKey.keynum)}`,
    );
  }
  const message = parsed.isPrehashed ? blake2b(bytes) : bytes;
  if (!nacl.sign.detached.verify(message, parsed.signature, publicKey.publicKey)) {
    throw new RedlineError(
      'E_TAMPERED',
      'signature verification failed: the file is not the one that was signed (or the signature was altered)',
    );
  }
  const signedComment = concat(parsed.signature, encodeUtf8(parsed.trustedComment));
  if (!nacl.sign.detached.verify(signedComment, parsed.globalSignature, publicKey.publicKey)) {
    throw new RedlineError('E_TAMPERED', 'the trusted comment of the signature was altered');
  }
  return {
    trustedComment: parsed.trustedComment,
    untrustedComment: parsed.untrustedComment,
    isPrehashed: parsed.isPrehashed,
  };
}

interface ParsedMinisig {
  untrustedComment: string;
  trustedComment: string;
  isPrehashed: boolean;
  keynum: Uint8Array;
  signature: Uint8Array;
  globalSignature: Uint8Array;
}

function parseMinisig(text: string): ParsedMinisig {
  // minisign reads lines with fgets and cuts each at its first CR or LF.
  const lines = text.split('\n').map((line) => line.split('\r')[0] ?? '');
  const [untrusted = '', sigLine = '', trusted = '', globalLine = '', ...rest] = lines;
  if (!untrusted.startsWith(UNTRUSTED_PREFIX) || !trusted.startsWith(TRUSTED_PREFIX)) {
    throw malformed(
      `a minisign signature has four lines: "${UNTRUSTED_PREFIX}...", the signature, "${TRUSTED_PREFIX}...", the global signature`,
    );
  }
  if (rest.some((line) => line.trim() !== '')) throw malformed('unexpected lines after the global signature');
  const sigStruct = decodeBase64(sigLine.trim());
  if (sigStruct?.length !== SIG_STRUCT_BYTES) {
    throw malformed(`the signature line is not base64 of ${SIG_STRUCT_BYTES} bytes`);
  }
  const globalSignature = decodeBase64(globalLine.trim());
  if (globalSignature?.length !== SIGNATURE_BYTES) {
    throw malformed(`the global signature line is not base64 of ${SIGNATURE_BYTES} bytes`);
  }
  const alg = sigStruct.subarray(0, 2);
  const isPrehashed = bytesEqual(alg, SIG_ALG_PREHASHED);
  if (!isPrehashed && !bytesEqual(alg, SIG_ALG_LEGACY)) {
    throw malformed('unsupported signature algorithm (expected "ED" or legacy "Ed")');
  }
  return {
    untrustedComment: untrusted.slice(UNTRUSTED_PREFIX.length),
    trustedComment: trusted.slice(TRUSTED_PREFIX.length),
    isPrehashed,
    keynum: sigStruct.slice(2, 2 + KEYNUM_BYTES),
    signature: sigStruct.slice(2 + KEYNUM_BYTES),
    globalSignature,
  };
}

function defaultTrustedComment(options: SignFileOptions, isPrehashed: boolean): string {
  const seconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const file = options.fileName === undefined ? '' : `\tfile:${options.fileName}`;
  return `timestamp:${seconds}${file}${isPrehashed ? '\thashed' : ''}`;
}

function checkComment(comment: string, kind: string, maxBytes: number): void {
  if (/[\r\n\0]/.test(comment)) {
    throw new RedlineError('E_USAGE', `the ${kind} comment must be one line (no CR, LF or NUL)`);
  }
  const length = encodeUtf8(comment).length;
  if (length > maxBytes) {
    throw new RedlineError(
      'E_USAGE',
      `the ${kind} comment is ${length} bytes; minisign accepts at most ${maxBytes}`,
    );
  }
}

function malformed(reason: string): RedlineError {
  return new RedlineError('E_MALFORMED', `not a valid minisign signature: ${reason}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
