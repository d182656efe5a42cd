/**
 * Canonical JSON, in the manner of RFC 8785 (JCS): the one serialisation that suite hashing relies on.
 *
 * - object members are sorted by their keys compared as UTF-16 code units (JavaScript's default string order);
 * - no whitespace anywhere;
 * - strings and numbers are written as `JSON.stringify` writes them (for finite numbers this is the ECMAScript
 *   Number-to-String form that RFC 8785 prescribes; -0 is written as 0);
 * - members whose value is `undefined` are left out, as `JSON.stringify` does.
 *
 * The output is part of every recorded suite digest (see hash-suite.ts): changing it changes every digest.
 */

/** Serialises a JSON value canonically; throws a TypeError on values JSON cannot carry (NaN, Infinity, bigint ...). */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  writeValue(value, parts);
  return parts.join('');
}

function writeValue(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonical JSON cannot represent the number ${String(value)}`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) {
        out.push('null');
      } else if (Array.isArray(value)) {
        writeArray(value, out);
      } else {
        writeObject(value as Record<string, unknown>, out);
      }
      return;
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonical JSON cannot represent a value of type ${typeof value}`);
  }
}

function writeArray(items: readonly unknown[], out: string[]): void {
  out.push('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(',');
    // JSON.stringify writes holes and undefined array items as null.
    const item = items[i];
    if (item === undefined) out.push('null');
    else writeValue(item, out);
  }
  out.push(']');
}

function writeObject(object: Record<string, unknown>, out: string[]): void {
  // Array.prototype.sort without a comparator compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(object).sort();
  out.push('{');
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    writeValue(member, out);
  }
  out.push('}');
}
