/**
 * Package URLs as the clearinghouse compares them, parsed and written by packageurl-js (never by regexes): a
 * package's identity (type, namespace, name), a purl without its version, and a `@version` split off.
 */
import { PackageURL } from 'packageurl-js';
import { RedlineError } from '../errors.js';

/**
 * Splits `pkg:type/ns/name@version` into the canonical versionless purl (as packageurl-js writes it, qualifiers
 * and subpath dropped) and the version. E_USAGE naming `field` when it is not a purl or has no version.
 *
 * @example splitVersionedPurl('pkg:npm/%40acme/widget@1.4.2', '--purl'); // {purl: 'pkg:npm/%40acme/widget', version: '1.4.2'}
 */
export function splitVersionedPurl(
  text: string,
  field: string,
): { purl: string; version: string | undefined } {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(text);
  } catch (error) {
    throw new RedlineError(
      'E_USAGE',
      `${field}: "${text}" is not a package URL: ${(error as Error).message}`,
    );
  }
  const version = parsed.version?.trim();
  return {
    purl: canonicalPurl(parsed),
    version: version === undefined || version === '' ? undefined : version,
  };
}

/** The canonical versionless form of a purl: type, namespace and name only. */
export function canonicalPurl(purl: string | PackageURL): string {
  const parsed = typeof purl === 'string' ? PackageURL.fromString(purl) : purl;
  return new PackageURL(
    parsed.type,
    parsed.namespace,
    parsed.name,
    undefined,
    undefined,
    undefined,
  ).toString();
}

/** The purl without its version, keeping qualifiers and subpath, as packageurl-js writes it. */
export function purlWithoutVersion(purl: PackageURL): string {
  return new PackageURL(
    purl.type,
    purl.namespace,
    purl.name,
    undefined,
    purl.qualifiers,
    purl.subpath,
  ).toString();
}
