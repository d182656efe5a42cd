/**
 * Scan deconfliction: participants claim what they will scan and when, and a new claim is checked against the
 * claims already held.
 *
 * A claim is `{participant, scope, from, to}`. `from` and `to` are RFC 3339 times with a zone (`Z` or `+hh:mm`),
 * the half-open interval [from, to): a claim ending at 12:00 and one starting at 12:00 do not overlap. The scope is
 * one of
 * - `{purl, range?}`: a package URL without a version (`pkg:npm/lodash`) and a node-semver range
 *   (`>=4.0.0 <4.17.21`; absent means every version). Kept apart because a purl's `@version` is one version, not a
 *   range, and range syntax (spaces, `<`, `|`) does not survive purl encoding. Packages are the same when type,
 *   namespace and name are (as packageurl-js normalises them; qualifiers and subpath are ignored, so a possible
 *   overlap is reported rather than missed); ranges overlap when `semver.intersects` says so;
 * - `{host}`: a DNS name (compared case-insensitively, without a trailing dot) or an IPv4/IPv6 literal
 *   (compared as addresses, so `::1` and `0:0::1` are one host);
 * - `{cidr}`: an IPv4 or IPv6 prefix such as `10.20.0.0/16` or `2001:db8::/32`, with no host bits set.
 *
 * Addresses are compared as 128-bit integers, IPv4 as its IPv4-mapped form (`::ffff:a.b.c.d`), so `10.0.0.1` and
 * `::ffff:10.0.0.1` are one host. Two prefixes intersect exactly when the shorter one contains the longer; a host
 * is inside a prefix only when it is an IP literal (names are not resolved). Different kinds never overlap.
 */
import { PackageURL } from 'packageurl-js';
import semver from 'semver';
import { RedlineError } from '../errors.js';

/** What a claim covers: a package and version range, a host, or an address prefix. */
export type ClaimScope = { purl: string; range?: string } | { host: string } | { cidr: string };

/** A participant's claim to scan `scope` during [from, to). */
export interface ScanClaim {
  participant: string;
  scope: ClaimScope;
  /** RFC 3339 time with a zone, inclusive. */
  from: string;
  /** RFC 3339 time with a zone, exclusive. */
  to: string;
}

/** An existing claim that conflicts with a new one: who holds what, and when the two overlap. */
export interface ClaimConflict {
  /** The index of the claim in the `existing` list. */
  index: number;
  /** The participant holding it. */
  holder: string;
  claim: ScanClaim;
  /** The shared time, [from, to), as ISO times in UTC. */
  overlap: { from: string; to: string };
}

type Scope =
  | { kind: 'package'; type: string; namespace: string; name: string; range: string }
  | { kind: 'host'; name: string; address: bigint | undefined }
  | { kind: 'prefix'; network: bigint; prefixLength: number };

interface Checked {
  participant: string;
  fromMs: number;
  toMs: number;
  scope: Scope;
}

/** Checks a claim; E_USAGE naming the field when it is not valid (bad purl, range, host, CIDR, time, from >= to). */
export function validateScanClaim(claim: ScanClaim): void {
  checkClaim(claim, 'claim');
}

/** True when two claims conflict: different participants, overlapping times and overlapping scopes. */
export function claimsConflict(a: ScanClaim, b: ScanClaim): boolean {
  return conflictOf(checkClaim(a, 'first claim'), checkClaim(b, 'second claim'));
}

/**
 * The claims in `existing` that conflict with `newClaim`, with their holder and the shared time.
 *
 * @example
 *   findConflicts(
 *     { participant: 'red', scope: { cidr: '10.20.0.0/16' }, from: '2030-01-01T00:00Z', to: '2030-01-02T00:00Z' },
 *     held,
 *   ); // [{ index: 3, holder: 'blue', claim: {...}, overlap: {...} }]
 */
export function findConflicts(newClaim: ScanClaim, existing: readonly ScanClaim[]): ClaimConflict[] {
  const mine = checkClaim(newClaim, 'new claim');
  const out: ClaimConflict[] = [];
  existing.forEach((claim, index) => {
    const theirs = checkClaim(claim, `existing claim ${index}`);
    if (!conflictOf(mine, theirs)) return;
    out.push({
      index,
      holder: claim.participant,
      claim,
      overlap: {
        from: new Date(Math.max(mine.fromMs, theirs.fromMs)).toISOString(),
        to: new Date(Math.min(mine.toMs, theirs.toMs)).toISOString(),
      },
    });
  });
  return out;
}

function conflictOf(a: Checked, b: Checked): boolean {
  return (
    a.participant !== b.participant &&
    a.fromMs < b.toMs &&
    b.fromMs < a.toMs &&
    scopesOverlap(a.scope, b.scope)
  );
}

function scopesOverlap(a: Scope, b: Scope): boolean {
  if (a.kind === 'package' || b.kind === 'package') {
    return (
      a.kind === 'package' &&
      b.kind === 'package' &&
      a.type === b.type &&
      a.namespace === b.namespace &&
      a.name === b.name &&
      semver.intersects(a.range, b.range)
    );
  }
  if (a.kind === 'host' && b.kind === 'host') {
    return a.address !== undefined || b.address !== undefined ? a.address === b.address : a.name === b.name;
  }
  if (a.kind === 'prefix' && b.kind === 'prefix') {
    const shorter = Math.min(a.prefixLength, b.prefixLength);
    return networkOf(a.network, shorter) === networkOf(b.network, shorter);
  }
  const host = a.kind === 'host' ? a : b.kind === 'host' ? b : undefined;
  const prefix = a.kind === 'prefix' ? a : b.kind === 'prefix' ? b : undefined;
  if (host?.address === undefined || prefix === undefined) return false;
  return networkOf(host.address, prefix.prefixLength) === prefix.network;
}

/** The first `prefixLength` bits of a 128-bit address, the rest zero. */
function networkOf(address: bigint, prefixLength: number): bigint {
  const hostBits = BigInt(128 - prefixLength);
  return (address >> hostBits) << hostBits;
}

function usage(message: string, field: string): never {
  throw new RedlineError('E_USAGE', message, { details: { field } });
}

function checkClaim(claim: ScanClaim, label: string): Checked {
  if (typeof claim.participant !== 'string' || claim.participant.trim() === '') {
    usage(`${label}: participant must be a non-empty string`, 'participant');
  }
  const fromMs = parseTime(claim.from, `${label}: from`, 'from');
  const toMs = parseTime(claim.to, `${label}: to`, 'to');
  if (fromMs >= toMs) usage(`${label}: from (${claim.from}) must be before to (${claim.to})`, 'from');
  return { participant: claim.participant, fromMs, toMs, scope: checkScope(claim.scope, label) };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

function parseTime(text: unknown, label: string, field: string): number {
  const match = typeof text === 'string' ? RFC3339.exec(text) : null;
  const [, year, month, day, hour, minute, second, offsetHour, offsetMinute] = (match ?? []).map(Number);
  const isInRange =
    match !== null &&
    month !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day !== undefined &&
    year !== undefined &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    (hour ?? 99) <= 23 &&
    (minute ?? 99) <= 59 &&
    (Number.isNaN(second) || (second ?? 99) <= 59) &&
    (Number.isNaN(offsetHour) || (offsetHour ?? 99) <= 23) &&
    (Number.isNaN(offsetMinute) || (offsetMinute ?? 99) <= 59);
  const ms = isInRange ? Date.parse(text as string) : Number.NaN;
  if (!Number.isFinite(ms)) {
    usage(
      `${label}: must be an RFC 3339 time with a zone, e.g. 2030-01-01T09:00:00Z (got ${String(text)})`,
      field,
    );
  }
  return ms;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function checkScope(scope: ClaimScope, label: string): Scope {
  const kinds = ['purl', 'host', 'cidr'].filter(
    (key) => typeof scope === 'object' && scope !== null && key in scope,
  );
  if (kinds.length !== 1) usage(`${label}: scope must have exactly one of purl, host, cidr`, 'scope');
  if ('purl' in scope) return checkPackageScope(scope.purl, scope.range, label);
  if ('host' in scope) {
    const host = typeof scope.host === 'string' ? scope.host.trim().toLowerCase().replace(/\.$/, '') : '';
    const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const address = literal.includes(':') ? parseIpv6(literal) : parseIpv4(literal);
    if (address !== undefined) return { kind: 'host', name: host, address };
    if (!isHostName(host))
      usage(`${label}: scope.host is not a host name or IP address (got ${scope.host})`, 'scope.host');
    return { kind: 'host', name: host, address: undefined };
  }
  return checkPrefix(scope.cidr, label);
}

function checkPackageScope(purlText: string, range: string | undefined, label: string): Scope {
  let purl: PackageURL;
  try {
    purl = PackageURL.fromString(purlText);
  } catch (error) {
    usage(`${label}: scope.purl is not a package URL: ${(error as Error).message}`, 'scope.purl');
  }
  if (purl.version !== undefined) {
    usage(
      `${label}: scope.purl must not carry a version; put versions in scope.range (got ${purlText})`,
      'scope.purl',
    );
  }
  const text = range ?? '*';
  const valid = typeof text === 'string' && text.trim() !== '' ? semver.validRange(text) : null;
  if (valid === null)
    usage(`${label}: scope.range is not a semver range (got ${String(range)})`, 'scope.range');
  if (semver.minVersion(valid) === null)
    usage(`${label}: scope.range matches no version (got ${text})`, 'scope.range');
  return { kind: 'package', type: purl.type, namespace: purl.namespace ?? '', name: purl.name, range: valid };
}

function checkPrefix(cidr: unknown, label: string): Scope {
  const bad = (why: string): never =>
    usage(`${label}: scope.cidr ${why} (got ${String(cidr)})`, 'scope.cidr');
  if (typeof cidr !== 'string') return bad('must be a string');
  const slash = cidr.indexOf('/');
  if (slash < 0 || slash !== cidr.lastIndexOf('/')) return bad('must be address/prefix-length');
  const addressText = cidr.slice(0, slash);
  const lengthText = cidr.slice(slash + 1);
  const isV6 = addressText.includes(':');
  const address = isV6 ? parseIpv6(addressText) : parseIpv4(addressText);
  if (address === undefined) return bad(`has an invalid ${isV6 ? 'IPv6' : 'IPv4'} address`);
  const maxLength = isV6 ? 128 : 32;
  const length = parseDecimal(lengthText, 3);
  if (length === undefined || length > maxLength) return bad(`prefix length must be 0-${maxLength}`);
  const prefixLength = isV6 ? length : length + 96;
  if (networkOf(address, prefixLength) !== address) {
    return bad('has host bits set; give the network address of the prefix');
  }
  return { kind: 'prefix', network: address, prefixLength };
}

/** A decimal without sign or leading zeros, of at most `maxDigits` digits; undefined otherwise. */
function parseDecimal(text: string, maxDigits: number): number | undefined {
  if (text.length === 0 || text.length > maxDigits || (text.length > 1 && text.startsWith('0')))
    return undefined;
  for (const char of text) if (char < '0' || char > '9') return undefined;
  return Number(text);
}

const IPV4_MAPPED = 0xffffn << 32n;

/** A dotted-quad IPv4 address as its IPv4-mapped 128-bit value; undefined when it is not one. */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: "010" is octal to some tools and decimal to others.
    const octet = parseDecimal(part, 3);
    if (octet === undefined || octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return IPV4_MAPPED | value;
}

/** An IPv6 address (RFC 4291 text forms, with "::" and a dotted-quad tail) as a 128-bit value. */
function parseIpv6(text: string): bigint | undefined {
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  const headText = gap < 0 ? text : text.slice(0, gap);
  const tailText = gap < 0 ? '' : text.slice(gap + 2);
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  const groups: number[] = [];
  const readGroups = (parts: readonly string[], isLast: boolean): boolean => {
    for (const [index, part] of parts.entries()) {
      if (isLast && index === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return false;
        groups.push(Number((v4 >> 16n) & 0xffffn), Number(v4 & 0xffffn));
        continue;
      }
      if (part.length === 0 || part.length > 4) return false;
      for (const char of part.toLowerCase()) {
        if (!((char >= '0' && char <= '9') || (char >= 'a' && char <= 'f'))) return false;
      }
      groups.push(Number.parseInt(part, 16));
    }
    return true;
  };
  if (!readGroups(head, gap < 0)) return undefined;
  const headCount = groups.length;
  if (!readGroups(tail, true)) return undefined;
  const tailGroups = groups.splice(headCount);
  const missing = 8 - headCount - tailGroups.length;
  if (gap < 0 ? missing !== 0 : missing < 1) return undefined;
  const all = [...groups, ...new Array<number>(gap < 0 ? 0 : missing).fill(0), ...tailGroups];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // All-numeric names look like IPv4 addresses; one that did not parse as an address is a typo, not a name.
  if (labels.every((label) => label !== '' && [...label].every((c) => c >= '0' && c <= '9'))) return false;
  return labels.every(
    (label) =>
      label.length >= 1 &&
      label.length <= 63 &&
      !label.startsWith('-') &&
      !label.endsWith('-') &&
      [...label].every((c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '-' || c === '_'),
  );
}
