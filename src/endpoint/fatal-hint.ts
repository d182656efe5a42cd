/**
 * What to check when the endpoint answers with a status that stops the run.
 */
import { redactUrl } from './redact-url.js';

/** Where the request went, for the hint. */
export interface FatalHintContext {
  /** The redacted base URL. */
  endpoint: string;
  model: string;
  /** The Location header of a redirect, if any. */
  location?: string | undefined;
}

/** A sentence saying what to check for a fatal `status` (401, 403, 404, 405, 3xx, others). */
export function fatalHint(status: number, context: FatalHintContext): string {
  const { endpoint, model, location } = context;
  switch (status) {
    case 401:
      return 'The endpoint rejected the credentials: check the API key (sent as "Authorization: Bearer")';
    case 403:
      return `The credentials may not use this endpoint or model "${model}": check the key's permissions and the model name`;
    case 404:
      return (
        `Check the base URL (the API root ending in /v1, e.g. http://127.0.0.1:8000/v1) and the model name ` +
        `"${model}" (GET ${endpoint.replace(/\/$/, '')}/models lists the served models)`
      );
    case 405:
      return 'The URL does not accept POST /chat/completions: check the base URL (the API root ending in /v1)';
    default:
      if (status >= 300 && status < 400) {
        const to =
          location === undefined
            ? ''
            : ` to ${redactUrl(URL.canParse(location, endpoint) ? new URL(location, endpoint).href : location)}`;
        return `The endpoint redirects${to}: use the final URL as the base URL`;
      }
      return 'Check the endpoint configuration (base URL, model name, API key)';
  }
}
