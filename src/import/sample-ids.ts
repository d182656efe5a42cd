/**
 * Deterministic sample ids for imported rows: the source's own id when it has one, else a short content hash, so
 * that two imports of the same source give the same ids (and a reordered source keeps them).
 */
import { createHash } from 'node:crypto';

/** Makes ids unique within one import: a repeated id gets `-2`, `-3` ... in order of appearance. */
export class SampleIdAllocator {
  readonly #seen = new Map<string, number>();

  /** The id for a row: `prefix-<own id>` when `ownId` is given, else `prefix-<12 hex of sha256(content)>`. */
  allocate(prefix: string, content: string, ownId?: string | number): string {
    const base =
      ownId === undefined || String(ownId).trim() === ''
        ? `${prefix}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`
        : `${prefix}-${sanitizeId(String(ownId))}`;
    const count = (this.#seen.get(base) ?? 0) + 1;
    this.#seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  }
}

/** Keeps an id readable and within the suite format's limits: [A-Za-z0-9._-], at most 120 characters. */
export function sanitizeId(id: string): string {
  const clean = id
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (clean === '' ? 'x' : clean).slice(0, 120);
}

/** A category id from free text ("Web Security" -> "web-security"); "default" when empty. */
export function categoryId(text: string | undefined | null): string {
  const clean = (text ?? '')
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return clean === '' ? 'default' : clean.slice(0, 60);
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
