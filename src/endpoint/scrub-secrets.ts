/**
 * Removes known secrets from text that came from elsewhere (a server's error message echoing the key, a
 * socket error), before it reaches a result, a log or the database.
 */

/** Placeholder for a removed secret. */
export const REDACTED = '[redacted]';

/** The variants of `secrets` worth searching for: each as is and URL-encoded; shorter than 4 chars ignored. */
export function secretVariants(secrets: readonly (string | undefined)[]): string[] {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
  }
  // Longest first, so that a secret containing another is removed whole.
  return [...variants].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each of `variants` (from secretVariants) replaced by REDACTED. */
export function scrubSecrets(text: string, variants: readonly string[]): string {
  let out = text;
  for (const variant of variants) {
    if (out.includes(variant)) out = out.split(variant).join(REDACTED);
  }
  return out;
}
