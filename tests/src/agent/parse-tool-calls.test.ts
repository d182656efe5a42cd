import { describe, expect, it } from 'vitest';
import { parseCompletion } from '../../../src/endpoint/parse-completion.js';

function body(message: Record<string, unknown>): string {
  return JSON.stringify({
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'tool_calls' }],
  });
}

describe('parseCompletion with tool calls', () => {
  it('reads tool calls and takes null content as the empty answer', () => {
    const parsed = parseCompletion(
      body({
        content: null,
        tool_calls: [
          { id: 'call_7', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls -la"}' } },
          { id: 'call_8', type: 'function', function: { name: 'submit', arguments: '{"answer":"flag{x}"}' } },
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      content: '',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_7', name: 'bash', arguments: '{"cmd":"ls -la"}' },
        { id: 'call_8', name: 'submit', arguments: '{"answer":"flag{x}"}' },
      ],
    });
  });

  it('keeps text sent with tool calls, serialises object arguments and names calls without an id', () => {
    const parsed = parseCompletion(
      body({
        content: 'Listing files.',
        tool_calls: [{ type: 'function', function: { name: 'bash', arguments: { cmd: 'ls' } } }],
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      content: 'Listing files.',
      toolCalls: [{ id: 'call_0', name: 'bash', arguments: '{"cmd":"ls"}' }],
    });
  });

  it('passes invalid JSON arguments through as text', () => {
    const parsed = parseCompletion(
      body({ content: null, tool_calls: [{ id: 'a', function: { name: 'bash', arguments: '{"cmd":' } }] }),
    );
    expect(parsed).toMatchObject({ ok: true, toolCalls: [{ id: 'a', name: 'bash', arguments: '{"cmd":' }] });
  });

  it('reports a tool call without a function name', () => {
    expect(
      parseCompletion(body({ content: null, tool_calls: [{ id: 'a', function: { arguments: '{}' } }] })).ok,
    ).toBe(false);
  });

  it('leaves toolCalls out of a plain answer', () => {
    expect(parseCompletion(body({ content: 'ANSWER: A' }))).not.toHaveProperty('toolCalls');
  });
});
