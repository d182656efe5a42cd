/**
 * Fakes for the agent loop: a chat client that replays scripted replies and records what it was sent, and a
 * sandbox that answers each command from a script.
 */
import type { AgentExecResult, AgentSandbox } from '../../../harness/agent/run-agent.js';
import type { ChatRequest, ChatResult } from '../../../harness/endpoints/openai-compatible.js';
import type { AgentMessage, ToolCall } from '../../../src/agent/agent-message.js';

/** A successful reply calling `calls` (name, raw JSON arguments), with optional text and usage. */
export function reply(
  calls: [name: string, args: string][],
  extra: { content?: string; promptTokens?: number; completionTokens?: number } = {},
): ChatResult {
  const toolCalls: ToolCall[] = calls.map(([name, args], i) => ({ id: `call_${i}`, name, arguments: args }));
  const result: ChatResult = {
    ok: true,
    content: extra.content ?? '',
    finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    latencyMs: 1,
    toolCalls,
  };
  if (extra.promptTokens !== undefined || extra.completionTokens !== undefined) {
    result.usage = { promptTokens: extra.promptTokens ?? 0, completionTokens: extra.completionTokens ?? 0 };
  }
  return result;
}

/** A reply calling bash with `cmd`. */
export function bash(cmd: string): ChatResult {
  return reply([['bash', JSON.stringify({ cmd })]]);
}

/** A reply calling submit with `answer`. */
export function submit(answer: string): ChatResult {
  return reply([['submit', JSON.stringify({ answer })]]);
}

/** A client replaying `script` in order (the last reply repeats); `sent` holds a copy of each request's messages. */
export function scriptedClient(script: ChatResult[]): {
  complete(request: ChatRequest): Promise<ChatResult>;
  sent: AgentMessage[][];
  requests: ChatRequest[];
} {
  const sent: AgentMessage[][] = [];
  const requests: ChatRequest[] = [];
  let next = 0;
  return {
    sent,
    requests,
    complete(request: ChatRequest): Promise<ChatResult> {
      // runAgent reuses its message array: copy it as the real client serialises it.
      sent.push(structuredClone([...request.messages]));
      requests.push(request);
      const result = script[Math.min(next, script.length - 1)];
      next += 1;
      if (result === undefined) throw new Error('empty script');
      return Promise.resolve(structuredClone(result));
    },
  };
}

/** An exec call the fake sandbox received. */
export interface ExecCall {
  script: string;
  options: { timeoutMs?: number; stdin?: string; interpreter?: 'sh' | 'python3' } | undefined;
}

/** A sandbox answering each command with `respond(script)` (default: exit 0, no output). */
export function fakeSandbox(
  respond: (script: string) => Partial<AgentExecResult> = () => ({}),
  onExec?: () => void,
): AgentSandbox & { calls: ExecCall[] } {
  const calls: ExecCall[] = [];
  return {
    startMs: 1_000,
    calls,
    exec(script, options) {
      calls.push({ script, options });
      onExec?.();
      return Promise.resolve({
        stdout: '',
        stderr: '',
        exitCode: 0,
        signal: null,
        timedOut: false,
        durationMs: 1,
        truncated: false,
        ...respond(script),
      });
    },
  };
}
