import { describe, expect, it } from 'vitest';
import { fatalHint } from '../../../src/endpoint/fatal-hint.js';

const context = { endpoint: 'http://127.0.0.1:8000/v1', model: 'llama-3-8b' };

describe('fatalHint', () => {
  it('names the model and the models listing for a 404', () => {
    const hint = fatalHint(404, context);
    expect(hint).toContain('llama-3-8b');
    expect(hint).toContain('http://127.0.0.1:8000/v1/models');
  });

  it('names where a redirect goes, without its credentials', () => {
    const hint = fatalHint(301, { ...context, location: 'https://u:pw@llm.lab/v1?token=abcdef' });
    expect(hint).toContain('https://llm.lab/v1?token=redacted');
    expect(hint).not.toContain('abcdef');
    expect(hint).not.toContain('pw@');
  });

  it('gives a distinct hint for each fatal status', () => {
    const hints = [401, 403, 404, 405, 302, 410].map((status) => fatalHint(status, context));
    expect(new Set(hints).size).toBe(hints.length);
  });
});
