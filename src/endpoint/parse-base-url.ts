/**
 * Validates an endpoint's base URL and derives the chat-completions resource and the credentials it carries.
 */
import { RedlineError } from '../errors.js';
import { isSecretParam } from './redact-url.js';

/** A validated base URL. */
export interface BaseUrl {
  /** The URL without userinfo and fragment. */
  url: URL;
  /** Path and query of the chat-completions resource, e.g. `/v1/chat/completions`. */
  path: string;
  /** Decoded userinfo ('' when absent), for basic auth. */
  username: string;
  password: string;
  /** Values of credential-like query parameters, to scrub from messages. */
  secretQueryValues: string[];
}

/**
 * Parses `baseUrl` (the API root, e.g. `http://127.0.0.1:8000/v1`; a URL already ending in /chat/completions is
 * taken as is). Throws E_USAGE, without echoing the text (it may hold a key), unless it is an http(s) URL.
 */
export function parseBaseUrl(baseUrl: string): BaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RedlineError('E_USAGE', 'endpoint: not a valid URL; expected e.g. http://127.0.0.1:8000/v1');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const scheme = url.protocol.replace(/:$/, '');
    throw new RedlineError(
      'E_USAGE',
      `endpoint: must be an http:// or https:// URL (got a ${scheme}: URL); expected e.g. http://127.0.0.1:8000/v1`,
    );
  }
  const username = decodeOrKeep(url.username);
  const password = decodeOrKeep(url.password);
  url.username = '';
  url.password = '';
  url.hash = '';
  const root = url.pathname.replace(/\/+$/, '');
  const pathname = root.endsWith('/chat/completions') ? root : `${root}/chat/completions`;
  return {
    url,
    path: `${pathname}${url.search}`,
    username,
    password,
    secretQueryValues: [...url.searchParams]
      .filter(([name]) => isSecretParam(name))
      .map(([, value]) => value),
  };
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
