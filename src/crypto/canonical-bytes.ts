/**
 * The byte encodings of the crypto formats: one canonical text form per byte string, so that a file cannot carry
 * the same bytes spelt two ways. Base64 is RFC 4648 §4 (standard alphabet, `=` padding); decoding refuses
 * anything an encoder would not have written (other characters, missing or extra padding, non-zero trailing bits).
 */

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes bytes as standard, padded base64 (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes canonical standard, padded base64; `undefined` when `text` is not exactly what {@link encodeBase64}
 * writes for some byte string (Node's own decoder would silently skip bad characters).
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STANDARD_BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  // Non-zero bits after the last full byte ("QR==" instead of "QQ==") decode to the same bytes: refuse them.
  if (decoded.toString('base64') !== text) return undefined;
  return new Uint8Array(decoded);
}

/** Encodes a string as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 bytes; `undefined` when they are not valid UTF-8 (no replacement characters, BOM kept). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when two byte strings are equal, in time independent of where they differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
