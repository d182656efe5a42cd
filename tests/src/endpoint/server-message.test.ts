import { describe, expect, it } from 'vitest';
import { extractServerMessage } from '../../../src/endpoint/server-message.js';

describe('extractServerMessage', () => {
  it.each([
    [
      'OpenAI / vLLM',
      '{"error":{"message":"maximum context length is 4096 tokens","type":"BadRequestError"}}',
    ],
    ['TGI', '{"error":"maximum context length is 4096 tokens","error_type":"validation"}'],
    ['older vLLM', '{"object":"error","message":"maximum context length is 4096 tokens","code":400}'],
    ['FastAPI', '{"detail":"maximum context length is 4096 tokens"}'],
  ])('reads the %s dialect', (_name, body) => {
    expect(extractServerMessage(body)).toBe('maximum context length is 4096 tokens');
  });

  it('joins FastAPI validation details', () => {
    expect(extractServerMessage('{"detail":[{"msg":"field required"},{"msg":"bad type"}]}')).toBe(
      'field required; bad type',
    );
  });

  it('falls back to the text, whitespace collapsed', () => {
    expect(extractServerMessage('<html>\n  <b>Bad Gateway</b>\n</html>')).toBe(
      '<html> <b>Bad Gateway</b> </html>',
    );
    expect(extractServerMessage('')).toBe('');
  });

  it('truncates long messages', () => {
    const out = extractServerMessage(JSON.stringify({ error: { message: 'x'.repeat(1000) } }), 50);
    expect(out).toHaveLength(50);
    expect(out.endsWith('…')).toBe(true);
  });
});
