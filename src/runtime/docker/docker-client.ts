// Turns DOCKER_HOST (as the docker CLI spells it) into a dockerode client. Pilox passes the value
// from config explicitly so dockerode never reads the environment itself.
import Docker from 'dockerode';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export type DockerTarget = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

/** `unix:///run/x.sock`, a bare path, or `tcp://host:port`; unset → the default socket. */
export function parseDockerHost(value: string | undefined): DockerTarget {
  const v = value?.trim();
  if (!v) return { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET };
  if (v.startsWith('unix://')) return { kind: 'unix', socketPath: v.slice('unix://'.length) };
  if (v.startsWith('/')) return { kind: 'unix', socketPath: v };
  if (v.startsWith('tcp://')) {
    const url = new URL(`http://${v.slice('tcp://'.length)}`);
    return { kind: 'tcp', host: url.hostname, port: url.port ? Number(url.port) : 2375 };
  }
  throw new Error(`DOCKER_HOST: unsupported scheme in ${JSON.stringify(v)} (use unix:// or tcp://)`);
}

export function describeTarget(t: DockerTarget): string {
  return t.kind === 'unix' ? `unix://${t.socketPath}` : `tcp://${t.host}:${t.port}`;
}

export function createDockerClient(target: DockerTarget): Docker {
  // tcp without TLS only: a plaintext Docker API must stay on a trusted network (documented).
  return target.kind === 'unix'
    ? new Docker({ socketPath: target.socketPath })
    : new Docker({ host: target.host, port: target.port, protocol: 'http' });
}
