/**
 * Maps an HTTP status of a chat-completions response to what the runner should do about it.
 */
import type { FailureKind } from './attempt-result.js';

/** What a status means for the run. */
export interface StatusClass {
  kind: FailureKind;
  /** The server is overloaded or rate limiting: lower the concurrency. */
  rateLimited: boolean;
}

const RETRY: StatusClass = Object.freeze({ kind: 'retryable', rateLimited: false });
const OVERLOAD: StatusClass = Object.freeze({ kind: 'retryable', rateLimited: true });
const SAMPLE: StatusClass = Object.freeze({ kind: 'sample', rateLimited: false });
const FATAL: StatusClass = Object.freeze({ kind: 'fatal', rateLimited: false });

/**
 * Classifies a non-2xx status. Retryable: 408, 409, 425, 429 and 5xx except 501/505 (429, 503 and 529 also
 * signal overload: Ollama answers 503 when its queue is full, Anthropic-style proxies 529). Sample: 400, 413,
 * 422 (this request is bad, e.g. the prompt exceeds the model's context). Fatal: every other 3xx/4xx (wrong
 * key, model, path or protocol: the run cannot succeed), 501 and 505. Anything else (1xx, >= 600) is retryable.
 */
export function classifyStatus(status: number): StatusClass {
  switch (status) {
    case 429:
    case 503:
    case 529:
      return OVERLOAD;
    case 408:
    case 409:
    case 425:
      return RETRY;
    case 400:
    case 413:
    case 422:
      return SAMPLE;
    case 501:
    case 505:
      return FATAL;
    default:
      if (status >= 500 && status < 600) return RETRY;
      if (status >= 300 && status < 500) return FATAL;
      return RETRY;
  }
}
