import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCKER_SOCKET, describeTarget, parseDockerHost } from './docker-client.js';

describe('parseDockerHost', () => {
  it('defaults to the standard socket', () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET });
    expect(parseDockerHost('  ')).toEqual({ kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET });
  });

  it('reads unix:// URLs and bare paths', () => {
    expect(parseDockerHost('unix:///run/pilox-podman.sock')).toEqual({ kind: 'unix', socketPath: '/run/pilox-podman.sock' });
    expect(parseDockerHost('/run/docker.sock')).toEqual({ kind: 'unix', socketPath: '/run/docker.sock' });
  });

  it('reads tcp:// with and without a port', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2376')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 2376 });
    expect(parseDockerHost('tcp://docker')).toEqual({ kind: 'tcp', host: 'docker', port: 2375 });
    expect(describeTarget(parseDockerHost('tcp://docker'))).toBe('tcp://docker:2375');
  });

  it('refuses schemes it cannot honour', () => {
    expect(() => parseDockerHost('ssh://user@host')).toThrow(/unsupported scheme/);
    expect(() => parseDockerHost('npipe:////./pipe/docker_engine')).toThrow(/unsupported scheme/);
  });
});
