/**
 * builtImageName: the image name of a service built at import from a task's build context.
 */
import { sha256Hex } from '../sample-ids.js';

/**
 * The image name given to a service built at import that has no compose `image:`:
 * `redline-import/<task key>-<service>:latest`, lowercased into a valid reference (a long key is shortened with a
 * hash, so that names stay unique and under Docker's length limit).
 */
export function builtImageName(key: string, service: string): string {
  let slug = `${key}-${service}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > 120) slug = `${slug.slice(0, 100).replace(/-+$/, '')}-${sha256Hex(slug).slice(0, 12)}`;
  return `redline-import/${slug === '' ? 'task' : slug}:latest`;
}
