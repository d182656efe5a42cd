/**
 * The outcome of one attempt at a chat completion: plain data, so it crosses the worker boundary intact.
 */

/** How a failed attempt affects the run: retry it later, fail this sample only, or stop the whole run. */
export type FailureKind = 'retryable' | 'sample' | 'fatal';

/** Token counts reported by the server. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The model answered. */
export interface AttemptSuccess {
  ok: true;
  /** The assistant message text ('' when the model only made tool calls). */
  content: string;
  /** `choices[0].finish_reason` as sent ('stop', 'length' ...), null when absent. */
  finishReason: string | null;
  usage?: TokenUsage;
  /** Wall time of the attempt, from sending to the parsed body. */
  latencyMs: number;
}

/** The attempt failed; `message` never contains the API key. */
export interface AttemptFailure {
  ok: false;
  kind: FailureKind;
  /** E_TIMEOUT for the per-request deadline, E_ENDPOINT for everything else. */
  code: 'E_ENDPOINT' | 'E_TIMEOUT';
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** What failed and, for fatal failures, what to check. */
  message: string;
  /** The wait the server asked for (retry-after-ms / Retry-After), capped; see parseRetryAfter. */
  retryAfterMs?: number;
  /** The server signalled overload (429, 503, 529): the caller should lower its concurrency. */
  rateLimited: boolean;
  /** The caller's AbortSignal ended the attempt (kind 'retryable': the unit was not done). */
  aborted?: true;
  latencyMs: number;
}

/** One attempt's outcome. */
export type AttemptResult = AttemptSuccess | AttemptFailure;
