/**
 * Reads the answer out of a chat-completions response body (OpenAI format, as vLLM, llama.cpp, Ollama and
 * TGI send it). JSON.parse runs once; nothing else walks the body.
 */
import type { ToolCall } from '../agent/agent-message.js';
import type { TokenUsage } from './attempt-result.js';
import { extractServerMessage } from './server-message.js';

/** The answer of a 2xx body, or what is wrong with it (a sentence without the endpoint). */
export type ParsedCompletion =
  | {
      ok: true;
      content: string;
      finishReason: string | null;
      usage?: TokenUsage;
      /** The tool calls of the reply, present only when there are some. */
      toolCalls?: ToolCall[];
    }
  | { ok: false; problem: string };

/**
 * Parses a 2xx body. `choices[0].message.content` may be a string or text parts (joined); a reply of only tool
 * calls (content null) is the empty answer. An empty, malformed or truncated body, no choices or no content is
 * a problem. Problems quote the body only through extractServerMessage (truncated): scrub secrets before.
 * Tool calls (`message.tool_calls`) are read when present: a call without a function name is a problem; a
 * missing id becomes `call_<index>`; arguments sent as an object (some servers) are serialised to JSON text.
 */
export function parseCompletion(body: string): ParsedCompletion {
  if (body.trim() === '') return { ok: false, problem: 'empty response body' };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return {
      ok: false,
      problem: `malformed JSON body (${body.length} chars): ${extractServerMessage(body, 80)}`,
    };
  }
  const choice = isRecord(doc) && Array.isArray(doc['choices']) ? (doc['choices'][0] as unknown) : undefined;
  const message = isRecord(choice) ? choice['message'] : undefined;
  let content = isRecord(message) ? textOf(message['content']) : undefined;
  const rawCalls = isRecord(message) ? message['tool_calls'] : undefined;
  let toolCalls: ToolCall[] | undefined;
  if (Array.isArray(rawCalls) && rawCalls.length > 0) {
    toolCalls = toolCallsOf(rawCalls);
    if (toolCalls === undefined) {
      return {
        ok: false,
        problem: 'malformed choices[0].message.tool_calls (a call without a function name)',
      };
    }
    // Tool calls without text: the model said nothing (and, outside an agent loop, scores as such).
    content ??= '';
  }
  if (content === undefined) {
    const serverSaid = isRecord(doc) && doc['error'] !== undefined ? extractServerMessage(body) : '';
    return {
      ok: false,
      problem: `no choices[0].message.content${serverSaid === '' ? '' : `: ${serverSaid}`}`,
    };
  }
  const finish = isRecord(choice) ? choice['finish_reason'] : undefined;
  const usage = isRecord(doc) ? usageOf(doc['usage']) : undefined;
  const parsed: ParsedCompletion = {
    ok: true,
    content,
    finishReason: typeof finish === 'string' ? finish : null,
  };
  if (usage !== undefined) parsed.usage = usage;
  if (toolCalls !== undefined) parsed.toolCalls = toolCalls;
  return parsed;
}

function toolCallsOf(calls: unknown[]): ToolCall[] | undefined {
  const result: ToolCall[] = [];
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i];
    const fn = isRecord(call) ? call['function'] : undefined;
    const name = isRecord(fn) ? fn['name'] : undefined;
    if (!isRecord(call) || !isRecord(fn) || typeof name !== 'string' || name === '') return undefined;
    const id = call['id'];
    const args = fn['arguments'];
    result.push({
      id: typeof id === 'string' && id !== '' ? id : `call_${i}`,
      name,
      arguments: typeof args === 'string' ? args : args === undefined ? '{}' : JSON.stringify(args),
    });
  }
  return result;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  // Content parts ([{type: 'text', text}]), as some servers send.
  let text = '';
  for (const part of content) {
    if (isRecord(part) && typeof part['text'] === 'string') text += part['text'];
  }
  return text;
}

function usageOf(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const promptTokens = usage['prompt_tokens'];
  const completionTokens = usage['completion_tokens'];
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') return undefined;
  return { promptTokens, completionTokens };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
