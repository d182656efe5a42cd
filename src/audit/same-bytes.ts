/** True when two byte strings are equal (hashes and public keys: nothing secret, so no constant time needed). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
