import { describe, expect, it } from 'vitest';
import { classifyStatus } from '../../../src/endpoint/classify-status.js';

describe('classifyStatus', () => {
  it.each([408, 409, 425, 500, 502, 504, 599])('retries %i without lowering concurrency', (status) => {
    expect(classifyStatus(status)).toEqual({ kind: 'retryable', rateLimited: false });
  });

  it.each([429, 503, 529])('retries %i and signals overload', (status) => {
    expect(classifyStatus(status)).toEqual({ kind: 'retryable', rateLimited: true });
  });

  it.each([400, 413, 422])('fails only the sample on %i', (status) => {
    expect(classifyStatus(status)).toEqual({ kind: 'sample', rateLimited: false });
  });

  it.each([301, 302, 401, 402, 403, 404, 405, 410, 501, 505])('stops the run on %i', (status) => {
    expect(classifyStatus(status)).toEqual({ kind: 'fatal', rateLimited: false });
  });
});
