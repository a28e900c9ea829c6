// An agent can write its own socket dir, so it can replace `agent.sock` with a symlink to any
// unix socket on the host (another agent's pilox.sock, the Docker API…): connect() follows
// symlinks, and Pilox would carry callers' requests there. Connect only to a real socket:
// open the path O_PATH|O_NOFOLLOW (a symlink is opened as itself and refused; the fd pins the
// inode, so nothing can be swapped in afterwards), check it is a socket, and connect through
// /proc/self/fd/N. The directories above the socket belong to Pilox, so only the last component
// needs this.
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';

/** Linux's O_PATH on x86-64 and arm64 (node:fs does not export it). */
const O_PATH = 0o10000000;

export class NotASocketError extends Error {
  readonly code = 'AGENT_SOCKET_UNSAFE';
  constructor(path: string, what: string) {
    super(`${path} is ${what}, not a unix socket: refusing to connect`);
  }
}

export interface PinnedSocket {
  /** Pass this to connect(); valid in this process until release(). */
  path: string;
  /** Call once connected (the connection stays up) or when giving up. */
  release(): void;
}

function describe(st: { isSymbolicLink(): boolean; isFile(): boolean; isDirectory(): boolean }): string {
  return st.isSymbolicLink() ? 'a symlink' : st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : 'not a socket';
}

/** Throws NotASocketError for anything but a socket (ENOENT as usual when it does not exist). */
export function pinAgentSocket(path: string): PinnedSocket {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    // No O_PATH: a best-effort check, still open to a swap between this and connect().
    const st = lstatSync(path);
    if (!st.isSocket()) throw new NotASocketError(path, describe(st));
    return { path, release: () => undefined };
  }
  const fd = openSync(path, O_PATH | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    if (!st.isSocket()) throw new NotASocketError(path, describe(st));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let open = true;
  return {
    path: `/proc/self/fd/${fd}`,
    release: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
