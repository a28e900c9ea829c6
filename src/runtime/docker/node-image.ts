// Builds the base image `package` and `managed` agents run in, from the host's own node binary
// and the shared libraries it links (ldd), imported through the Docker API
// (`POST /images/create?fromSrc=-`). No registry is needed (air-gapped installs, CI) and the agent
// runs the exact Node version Pilox runs. The tag is a hash of the inputs, so a build is reused
// until the host's node or libc changes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { create as createTar } from 'tar';

const run = promisify(execFile);

/** Bump when the layout below changes, so old images are not reused. */
const LAYOUT_VERSION = '2';
/** Where node lives inside the image, whatever its host path. */
export const IMAGE_NODE_PATH = '/usr/bin/node';
export const DEFAULT_NODE_IMAGE_REPO = 'pilox/node-base';

export interface NodeImageOptions {
  /** Image repository; the tag is the content hash. */
  repo?: string;
  /** Host node binary (default: the one running Pilox). */
  nodePath?: string;
}

/** Absolute paths of the shared libraries `ldd` lists for a binary (the loader included). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  if (libs.size === 0 && !stdout.includes('statically linked')) throw new Error(`ldd found no libraries for ${binary}`);
  return [...libs];
}

async function hashFiles(files: string[]): Promise<string> {
  const h = createHash('sha256').update(`pilox-node-image:${LAYOUT_VERSION}\n`);
  for (const f of files) {
    h.update(`${f}\n`);
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex').slice(0, 16);
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** The minimal rootfs: node, its libs, a passwd with `nobody`, and the mount points we bind. */
async function stageRootfs(dir: string, nodePath: string, libs: string[]): Promise<void> {
  for (const d of ['usr/bin', 'etc', 'tmp', 'run/pilox', 'pilox/work', 'proc', 'sys', 'dev']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await chmod(join(dir, 'tmp'), 0o1777);
  await copyFile(nodePath, join(dir, IMAGE_NODE_PATH));
  for (const lib of libs) {
    // copyFile follows symlinks: /lib64/ld-linux… becomes a regular file at the path node asks for.
    await mkdir(join(dir, dirname(lib)), { recursive: true });
    await copyFile(lib, join(dir, lib));
  }
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

async function importRootfs(docker: Docker, dir: string, ref: string): Promise<void> {
  const [repo, tag] = ref.split(/:(?=[^:/]+$)/) as [string, string];
  // Not `portable`: it clears group/other write bits, and /tmp must stay 1777 (podman copies the
  // image dir's mode onto the tmpfs mounted there).
  const tarStream = createTar({ cwd: dir }, ['.']);
  const progress = await docker.importImage(tarStream as unknown as NodeJS.ReadableStream, { repo, tag });
  const events = await new Promise<Array<{ error?: string; id?: string; status?: string }>>((resolve, reject) => {
    docker.modem.followProgress(progress, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never)));
  });
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`image import failed: ${failed.error}`);
  // podman's compat API ignores `tag` on import (it tags `latest`): tag the imported id explicitly.
  if (!(await imageExists(docker, ref))) {
    const id = [...events].reverse().find((e) => e.id ?? e.status)?.id ?? events.at(-1)?.status;
    if (!id) throw new Error('image import returned no id');
    await docker.getImage(id).tag({ repo, tag });
  }
}

/** Returns `<repo>:<hash>`, building and importing it first when the engine does not have it. */
export async function ensureNodeImage(docker: Docker, opts: NodeImageOptions = {}): Promise<string> {
  const nodePath = opts.nodePath ?? process.execPath;
  const libs = await sharedLibraries(nodePath);
  const ref = `${opts.repo ?? DEFAULT_NODE_IMAGE_REPO}:${await hashFiles([nodePath, ...libs])}`;
  if (await imageExists(docker, ref)) return ref;
  const dir = await mkdtemp(join(tmpdir(), 'pilox-node-image-'));
  try {
    await stageRootfs(dir, nodePath, libs);
    await importRootfs(docker, dir, ref);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return ref;
}
