/**
 * Bech32 (BIP-173; not bech32m) as age uses it for `age1...` recipients and `AGE-SECRET-KEY-1...` identities.
 * As in age, there is no 90-character limit; everything else follows BIP-173: a human-readable part (HRP) of
 * printable ASCII, the separator "1" (the last one in the string), 5-bit data from the 32-letter charset, a
 * 6-letter checksum over the lowercased HRP and the data, and one case throughout (all lower or all upper).
 */
import { RedlineError } from '../errors.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;
const CHECKSUM_LENGTH = 6;
// BIP-173's checksum constant; bech32m (BIP-350) uses 0x2bc830a3 and is not what age writes.
const BECH32_CONSTANT = 1;

/** A decoded bech32 string: its human-readable part (lowercased) and data bytes. */
export interface Bech32Decoded {
  /** The human-readable part, lowercased (`age`, `age-secret-key-`). */
  hrp: string;
  /** The data, regrouped from 5-bit letters into bytes. */
  bytes: Uint8Array;
  /** True when the string was written in upper case (age writes identities that way). */
  isUpperCase: boolean;
}

function polymod(values: readonly number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    GENERATOR.forEach((g, i) => {
      if (((top >>> i) & 1) === 1) checksum ^= g;
    });
  }
  return checksum >>> 0;
}

function expandHrp(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

function createChecksum(hrp: string, data: readonly number[]): number[] {
  const mod = polymod([...expandHrp(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ BECH32_CONSTANT;
  return Array.from({ length: CHECKSUM_LENGTH }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
}

/** Regroups bits; `pad` adds zero bits to complete the last group, else leftover bits must be zero padding. */
function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let accumulator = 0;
  let bits = 0;
  const out: number[] = [];
  const maxValue = (1 << to) - 1;
  for (const value of data) {
    accumulator = (accumulator << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((accumulator >>> bits) & maxValue);
    }
    accumulator &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((accumulator << (to - bits)) & maxValue);
  } else if (bits >= from || accumulator !== 0) {
    return undefined;
  }
  return out;
}

function checkHrp(hrp: string, label: string): void {
  if (hrp.length === 0) {
    throw new RedlineError('E_MALFORMED', `${label} has an empty human-readable part`);
  }
  for (const [i, c] of [...hrp].entries()) {
    const code = c.charCodeAt(0);
    if (c.length !== 1 || code < 33 || code > 126) {
      throw new RedlineError(
        'E_MALFORMED',
        `${label}: character ${i + 1} of the human-readable part is not printable ASCII`,
      );
    }
  }
}

/**
 * Encodes bytes as lowercase bech32 under `hrp` (upper-case the result for an age identity).
 * @example encodeBech32('age', publicKey) // 'age1...'
 */
export function encodeBech32(hrp: string, bytes: Uint8Array): string {
  const lower = hrp.toLowerCase();
  checkHrp(lower, `bech32 human-readable part "${shorten(hrp)}"`);
  const data = convertBits(bytes, 8, 5, true) ?? [];
  const letters = [...data, ...createChecksum(lower, data)].map((d) => CHARSET.charAt(d));
  return `${lower}1${letters.join('')}`;
}

/**
 * Decodes a bech32 string and verifies its checksum; throws E_MALFORMED saying what is wrong (mixed case, no
 * separator, a letter outside the charset, a bad checksum, bad padding). `label` names the string in messages
 * (pass one for secrets, so that no part of them is echoed).
 */
export function decodeBech32(text: string, label = `bech32 string "${shorten(text)}"`): Bech32Decoded {
  const lower = text.toLowerCase();
  const upper = text.toUpperCase();
  if (text !== lower && text !== upper) {
    throw new RedlineError('E_MALFORMED', `${label} mixes upper and lower case: it must be all one case`);
  }
  const separator = lower.lastIndexOf('1');
  if (separator === -1) {
    throw new RedlineError('E_MALFORMED', `${label} has no separator "1"`);
  }
  const hrp = lower.slice(0, separator);
  checkHrp(hrp, label);
  const letters = lower.slice(separator + 1);
  if (letters.length < CHECKSUM_LENGTH) {
    throw new RedlineError(
      'E_MALFORMED',
      `${label} is too short: the checksum needs ${CHECKSUM_LENGTH} letters after the last "1"`,
    );
  }
  const data: number[] = [];
  for (const [i, c] of [...letters].entries()) {
    const value = CHARSET.indexOf(c);
    if (value === -1) {
      throw new RedlineError(
        'E_MALFORMED',
        `${label}: ${JSON.stringify(c)} at position ${separator + 2 + i} is not a bech32 letter (${CHARSET})`,
      );
    }
    data.push(value);
  }
  if (polymod([...expandHrp(hrp), ...data]) !== BECH32_CONSTANT) {
    throw new RedlineError('E_MALFORMED', `${label} has an invalid checksum: it was mistyped or altered`);
  }
  const bytes = convertBits(data.slice(0, -CHECKSUM_LENGTH), 5, 8, false);
  if (bytes === undefined) {
    throw new RedlineError(
      'E_MALFORMED',
      `${label} has invalid padding: its data is not a whole number of bytes`,
    );
  }
  return { hrp, bytes: Uint8Array.from(bytes), isUpperCase: text !== lower };
}

/** Secrets pass through here too: show only a prefix in messages. */
function shorten(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 24 ? `${printable.slice(0, 20)}...` : printable;
}
