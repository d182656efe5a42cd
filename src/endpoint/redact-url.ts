/**
 * Makes an endpoint URL safe to record on a run, print or log.
 */

const SECRET_PARAM = /key|token|secret|pass|auth|sig|credential|session|cookie|code/i;

/** True for a query parameter name whose value is likely a credential (api-key, access_token, sig ...). */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/**
 * `url` without userinfo, fragment, or the values of credential-like query parameters (replaced by "redacted").
 * A string that is not a URL becomes "[invalid URL]" (it might hold a secret too). `keepUsername` keeps the user
 * name (a database URL's role, which is not a secret).
 *
 * @example redactUrl('https://bob:pw@llm.lab/v1?api-key=s3cret') // 'https://llm.lab/v1?api-key=redacted'
 */
export function redactUrl(url: string, options: { keepUsername?: boolean } = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[invalid URL]';
  }
  if (options.keepUsername !== true) parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  for (const name of new Set(parsed.searchParams.keys())) {
    if (isSecretParam(name)) parsed.searchParams.set(name, 'redacted');
  }
  return parsed.href;
}
