/**
 * dockerSocketPath: where the engine's socket is, from DOCKER_HOST (unix:// only) or the default path.
 */
import { describe, expect, it } from 'vitest';
import { dockerSocketPath } from '../../../harness/docker/docker-client.js';
import { codeOf } from '../../helpers/error-of.js';

describe('dockerSocketPath', () => {
  it('is /var/run/docker.sock when DOCKER_HOST is unset or empty', () => {
    expect(dockerSocketPath({})).toBe('/var/run/docker.sock');
    expect(dockerSocketPath({ DOCKER_HOST: '' })).toBe('/var/run/docker.sock');
  });

  it('is the path of a unix:// DOCKER_HOST', () => {
    expect(dockerSocketPath({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe(
      '/run/user/1000/docker.sock',
    );
    expect(dockerSocketPath({ DOCKER_HOST: 'unix:///var/run/docker.sock' })).toBe('/var/run/docker.sock');
  });

  it('refuses a tcp:// or ssh:// engine with E_USAGE (timed-out commands are killed by host pid)', () => {
    expect(codeOf(() => dockerSocketPath({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }))).toBe('E_USAGE');
    expect(codeOf(() => dockerSocketPath({ DOCKER_HOST: 'tcp://127.0.0.1:2376' }))).toBe('E_USAGE');
    expect(codeOf(() => dockerSocketPath({ DOCKER_HOST: 'ssh://lab@engine' }))).toBe('E_USAGE');
  });

  it('refuses a bare path without the unix:// scheme with E_USAGE', () => {
    expect(codeOf(() => dockerSocketPath({ DOCKER_HOST: '/var/run/docker.sock' }))).toBe('E_USAGE');
  });

  it('reads process.env by default', () => {
    const saved = process.env['DOCKER_HOST'];
    try {
      process.env['DOCKER_HOST'] = 'unix:///tmp/redline-test.sock';
      expect(dockerSocketPath()).toBe('/tmp/redline-test.sock');
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    }
  });
});
