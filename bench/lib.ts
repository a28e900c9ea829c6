import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';

export const root = join(import.meta.dirname, '..');

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server process and waits until it prints `running at <url>`. */
export async function startProcess(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-bench-'));
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PILOX_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/running at (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    child,
    async stop() {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version
    return (err as { status?: number }).status === 1;
  }
}
const useWrk = process.env.BENCH_LOADGEN !== 'autocannon' && hasWrk();
export const loadGenerator = useWrk ? 'wrk' : 'autocannon';

/** wrk (C) when installed, so the load generator is not the bottleneck on 2 cores; autocannon otherwise. */
export async function load(url: string, opts: { duration?: number; connections?: number; headers?: Record<string, string> } = {}) {
  if (useWrk) return loadWithWrk(url, opts);
  const result = await autocannon({
    url,
    connections: opts.connections ?? 50,
    duration: opts.duration ?? 10,
    headers: opts.headers,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99 };
}

/** The compiled CLI when built, else the sources through tsx. */
export function piloxArgs(): string[] {
  return [join(root, 'bin/pilox.js'), 'start'];
}

export function result(name: string, fields: Record<string, string | number>): void {
  process.stdout.write(`RESULT ${name} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function parseWrkLatency(v: string): number {
  const m = v.match(/^([\d.]+)(us|ms|s)$/);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

async function loadWithWrk(url: string, opts: { duration?: number; connections?: number; headers?: Record<string, string> }) {
  const args = ['-t', '1', '-c', String(opts.connections ?? 50), '-d', `${opts.duration ?? 10}s`, '--latency'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}`))));
  });
  if (/Non-2xx or 3xx responses|Socket errors/.test(out)) throw new Error(`${url}: errors under load:\n${out}`);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const p50 = parseWrkLatency(out.match(/\s50%\s+(\S+)/)?.[1] ?? '');
  const p99 = parseWrkLatency(out.match(/\s99%\s+(\S+)/)?.[1] ?? '');
  return { rps: Math.round(rps), p50, p99 };
}
