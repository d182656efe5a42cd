/**
 * The chat messages of an agent loop (OpenAI chat-completions wire format with function tools): what is sent to
 * the model and what it sends back, stored verbatim in the transcript.
 */
import type { ChatMessage } from '../scoring/build-messages.js';

/** A tool call as the model made it; `arguments` is the raw JSON text (it may be invalid). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A tool call in the wire format of an assistant message. */
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** An assistant message that calls tools; `content` is null when the model wrote no text. */
export interface AssistantToolCallMessage {
  role: 'assistant';
  content: string | null;
  tool_calls: WireToolCall[];
}

/** The result of one tool call, answering the call with id `tool_call_id`. */
export interface ToolResultMessage {
  role: 'tool';
  tool_call_id: string;
  content: string;
}

/** Any message of an agent conversation. */
export type AgentMessage = ChatMessage | AssistantToolCallMessage | ToolResultMessage;

/** The wire form of parsed tool calls. */
export function toWireToolCalls(calls: readonly ToolCall[]): WireToolCall[] {
  return calls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
}
