import { describe, expect, it } from 'vitest';
import { parseCompletion } from '../../../src/endpoint/parse-completion.js';

describe('parseCompletion', () => {
  it('reads content, finish reason and usage', () => {
    const body = JSON.stringify({
      choices: [{ index: 0, message: { role: 'assistant', content: 'ANSWER: B' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    });
    expect(parseCompletion(body)).toEqual({
      ok: true,
      content: 'ANSWER: B',
      finishReason: 'length',
      usage: { promptTokens: 10, completionTokens: 2 },
    });
  });

  it('leaves usage out and the finish reason null when the server sends none', () => {
    expect(parseCompletion('{"choices":[{"message":{"content":""}}]}')).toEqual({
      ok: true,
      content: '',
      finishReason: null,
    });
  });

  it('reports an error object sent with status 200', () => {
    const parsed = parseCompletion('{"error":{"message":"model is loading"}}');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain('model is loading');
  });

  it.each([
    ['', 'empty'],
    ['{"choices":[{"message":{"content":"A', 'truncated'],
    ['[1, 2]', 'an array'],
    ['{"choices":[{"message":{"content":42}}]}', 'a number as content'],
    ['{"choices":[{"message":{"content":[]}}]}', 'no content parts'],
    ['{"choices":[{"message":{"content":null,"tool_calls":[]}}]}', 'null content without tool calls'],
  ])('refuses %j (%s)', (body) => {
    expect(parseCompletion(body).ok).toBe(false);
  });
});
