import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/endpoint/redact-url.js';

describe('redactUrl', () => {
  it('strips userinfo and the fragment', () => {
    expect(redactUrl('https://bob:hunter22@llm.lab:8443/v1#frag')).toBe('https://llm.lab:8443/v1');
  });

  it('redacts credential-like query values and keeps the others', () => {
    const out = redactUrl(
      'http://10.0.0.5:8000/v1?api-version=2024-02-01&api-key=s3cretvalue&access_token=tok123',
    );
    expect(out).toBe('http://10.0.0.5:8000/v1?api-version=2024-02-01&api-key=redacted&access_token=redacted');
  });

  it('leaves a plain URL alone', () => {
    expect(redactUrl('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/v1');
  });

  it('does not echo a string that is not a URL', () => {
    expect(redactUrl('sk-secret not a url')).toBe('[invalid URL]');
  });
});
