/**
 * Standard, padded base64 (RFC 4648 §4), the encoding of signed notes and checkpoints, decoded strictly: one text
 * form per byte string. (Same rules as src/crypto/canonical-bytes.ts; kept here so the audit log has no
 * dependency on the key-file code.)
 */

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes bytes as standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes canonical standard, padded base64; `undefined` for anything an encoder would not have written. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STANDARD_BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  // "QR==" decodes to the same byte as "QQ==": refuse non-zero trailing bits.
  if (decoded.toString('base64') !== text) return undefined;
  return new Uint8Array(decoded);
}
