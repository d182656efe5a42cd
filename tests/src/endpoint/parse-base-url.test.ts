import { describe, expect, it } from 'vitest';
import { parseBaseUrl } from '../../../src/endpoint/parse-base-url.js';

describe('parseBaseUrl', () => {
  it('appends /chat/completions to the API root', () => {
    expect(parseBaseUrl('http://127.0.0.1:8000/v1').path).toBe('/v1/chat/completions');
    expect(parseBaseUrl('http://127.0.0.1:8000/v1/').path).toBe('/v1/chat/completions');
    expect(parseBaseUrl('http://llm.lab').path).toBe('/chat/completions');
  });

  it('takes a full chat-completions URL as is and keeps the query', () => {
    expect(parseBaseUrl('https://llm.lab/v1/chat/completions?api-version=1').path).toBe(
      '/v1/chat/completions?api-version=1',
    );
  });

  it('separates the credentials from the URL', () => {
    const parsed = parseBaseUrl('https://lab:p%40ss@llm.lab/v1?api-key=k123456&api-version=1#x');
    expect(parsed).toMatchObject({ username: 'lab', password: 'p@ss', secretQueryValues: ['k123456'] });
    expect(parsed.url.href).toBe('https://llm.lab/v1?api-key=k123456&api-version=1');
  });

  it.each([['ftp://llm.lab/v1'], ['127.0.0.1:8000/v1'], ['not a url'], ['']])(
    'refuses %j with E_USAGE',
    (url) => {
      expect(() => parseBaseUrl(url)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    },
  );
});
