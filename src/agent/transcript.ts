/**
 * The record of one agent episode: every message sent and received, one event per model turn and per tool call,
 * why the loop stopped and what was submitted. Stored as JSON in the `transcripts` table, never in assessments.
 */
import type { TokenUsage } from '../endpoint/attempt-result.js';
import type { ErrorCode } from '../errors.js';
import type { AgentMessage } from './agent-message.js';

/** Why the agent loop ended. */
export type StopReason = 'submitted' | 'max_turns' | 'time_limit' | 'token_limit' | 'model_error';

/** A failure recorded in a transcript: a model call that failed (kind as the endpoint classified it). */
export interface TranscriptError {
  kind: 'retryable' | 'sample' | 'fatal' | 'interrupted';
  code: ErrorCode;
  message: string;
}

/** One model call (`kind: 'model'`, one per attempt, retries included) or one tool call (`kind: 'tool'`). */
export interface TranscriptEvent {
  /** The 1-based model turn this event belongs to. */
  turn: number;
  kind: 'model' | 'tool';
  /** The tool called (as the model named it, also when unknown). */
  name?: string;
  /** The raw JSON arguments of the tool call. */
  args?: string;
  /** What went back to the model as the tool result (after truncation). */
  output?: string;
  exitCode?: number | null;
  timedOut?: boolean;
  /** The output was cut (by the sandbox or to MAX_TOOL_OUTPUT_BYTES). */
  truncated?: boolean;
  /** Wall clock (ms since the epoch, from the injected clock) when the call started. */
  startedAtMs: number;
  durationMs: number;
  /** Tokens reported for this model call. */
  usage?: TokenUsage;
  /** The model call failed. */
  error?: TranscriptError;
}

/** A whole episode. */
export interface Transcript {
  /** Every message sent and received, in order (the last reply included). */
  messages: AgentMessage[];
  events: TranscriptEvent[];
  stopReason: StopReason;
  /** The submitted answer; null unless stopReason is 'submitted'. */
  answer: string | null;
  /** Model turns taken. */
  turns: number;
  /** When the sandbox started (its clock, ms since the epoch). */
  sandboxStartMs: number;
  /** The failure that ended the loop, when stopReason is 'model_error'. */
  error?: TranscriptError;
}

/** The documented size of one tool result sent back to the model: 16 KiB of UTF-8. */
export const MAX_TOOL_OUTPUT_BYTES = 16 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes (default 16 KiB): the head and the tail are kept around a line
 * `[output truncated: N bytes omitted]`, so both the start of a listing and the last lines (often the error or
 * the flag) survive. Cuts fall on character boundaries. Text that fits is returned unchanged.
 *
 * @example truncateOutput('x'.repeat(100_000), 16 * 1024) // 'xxx…\n[output truncated: 83651 bytes omitted]\n…xxx'
 */
export function truncateOutput(text: string, maxBytes: number = MAX_TOOL_OUTPUT_BYTES): string {
  // Cheap exit: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  // The marker's digits depend on N: size it with the largest N possible.
  const room = Math.max(0, maxBytes - markerOf(bytes.length).length);
  let headEnd = Math.ceil(room / 2);
  let tailStart = bytes.length - (room - headEnd);
  // Back off to character boundaries (UTF-8 continuation bytes are 10xxxxxx).
  while (headEnd > 0 && isContinuation(bytes[headEnd])) headEnd--;
  while (tailStart < bytes.length && isContinuation(bytes[tailStart])) tailStart++;
  const omitted = tailStart - headEnd;
  return (
    decoder.decode(bytes.subarray(0, headEnd)) + markerOf(omitted) + decoder.decode(bytes.subarray(tailStart))
  );
}

function markerOf(omittedBytes: number): string {
  return `\n[output truncated: ${omittedBytes} bytes omitted]\n`;
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}
