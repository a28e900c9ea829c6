// Package agents: a tar.gz with a package.json whose `main` (or server.mjs/index.js) is a Node
// program that serves A2A on PILOX_AGENT_SOCKET. Extracted into a fresh directory; only regular
// files and directories are accepted (no links, devices), paths stay inside, sizes are capped.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { AppError } from '../../lib/errors.js';

/** Upload cap (compressed) and extraction caps: a zip bomb stops at the first limit reached. */
export const PACKAGE_MAX_BYTES = 20 * 1024 * 1024;
export const PACKAGE_MAX_EXTRACTED_BYTES = 100 * 1024 * 1024;
export const PACKAGE_MAX_FILES = 10_000;

const invalid = (message: string) => new AppError(400, 'PACKAGE_INVALID', message);

export async function extractPackage(body: Buffer, targetDir: string): Promise<{ sha256: string; entry: string }> {
  if (body.length > PACKAGE_MAX_BYTES) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `Packages are at most ${PACKAGE_MAX_BYTES} bytes`);
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) throw invalid('The package must be a gzip-compressed tar archive');
  const sha256 = createHash('sha256').update(body).digest('hex');
  const staging = `${targetDir}.staging-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  let total = 0;
  let files = 0;
  let rejected: string | null = null;
  try {
    await pipeline(
      Readable.from(body),
      tar.x({
        cwd: staging,
        strict: true,
        preserveOwner: false,
        // Files readable by the sandbox uid, never setuid/executable-by-mode surprises.
        dmode: 0o755,
        fmode: 0o644,
        noChmod: true,
        filter: (path, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          if (type !== 'File' && type !== 'Directory' && type !== 'OldFile' && type !== 'ContiguousFile') {
            rejected ??= `${path}: only regular files and directories are allowed (got ${type})`;
            return false;
          }
          const n = normalize(path);
          if (n.startsWith('..') || n.startsWith(sep)) {
            rejected ??= `${path}: paths must stay inside the package`;
            return false;
          }
          total += entry.size ?? 0;
          files++;
          if (total > PACKAGE_MAX_EXTRACTED_BYTES || files > PACKAGE_MAX_FILES) {
            rejected ??= `The package expands past ${PACKAGE_MAX_EXTRACTED_BYTES} bytes or ${PACKAGE_MAX_FILES} files`;
            return false;
          }
          return true;
        },
      }),
    );
    if (rejected) throw invalid(rejected);
    const root = packageRootOf(staging);
    const entry = entryOf(root);
    rmSync(targetDir, { recursive: true, force: true });
    mkdirSync(dirname(targetDir), { recursive: true });
    renameSync(root, targetDir);
    rmSync(staging, { recursive: true, force: true });
    return { sha256, entry };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (err instanceof AppError) throw err;
    throw invalid(`Could not extract the package: ${(err as Error).message}`.slice(0, 300));
  }
}

/** `npm pack` puts everything under `package/`: accept both layouts. */
function packageRootOf(dir: string): string {
  if (existsSync(join(dir, 'package.json'))) return dir;
  if (existsSync(join(dir, 'package', 'package.json'))) return join(dir, 'package');
  throw invalid('The package has no package.json at its root (or under package/)');
}

function entryOf(root: string): string {
  let pkg: { main?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: unknown };
  } catch {
    throw invalid('package.json is not valid JSON');
  }
  const candidates = typeof pkg.main === 'string' ? [pkg.main] : ['server.mjs', 'index.mjs', 'index.js'];
  for (const c of candidates) {
    const n = normalize(c);
    if (n.startsWith('..') || n.startsWith(sep)) throw invalid('package.json main must stay inside the package');
    if (existsSync(join(root, n))) return n;
  }
  throw invalid(`The entry point (${candidates.join(', ')}) is missing from the package`);
}
