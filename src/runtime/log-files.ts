// Per-agent logs in size-capped rotating files (agent.log, agent.log.1 … agent.log.N), one JSON
// line per output line. Kept on disk so logs outlive the process and a Pilox restart, and so
// a chatty agent can never fill the disk: at most (files + 1) × maxBytes per agent.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { LogLine, LogOptions } from './runtime.js';

export const LOG_FILE = 'agent.log';
const MAX_LINE = 16 * 1024;

export interface LogWriterOptions {
  maxBytes?: number;
  /** Rotated files kept besides the current one. */
  files?: number;
}

export interface LogWriter {
  write(stream: LogLine['stream'], line: string): void;
  /** Splits a child's output into lines (partial last line kept until the next chunk or end). */
  attach(stream: 'stdout' | 'stderr', readable: Readable): void;
}

export function createLogWriter(logDir: string, opts: LogWriterOptions = {}): LogWriter {
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const files = opts.files ?? 2;
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const current = join(logDir, LOG_FILE);
  let size = existsSync(current) ? statSync(current).size : 0;

  function rotate() {
    for (let i = files; i >= 1; i--) {
      const from = i === 1 ? current : `${current}.${i - 1}`;
      if (existsSync(from)) {
        if (i === files && existsSync(`${current}.${i}`)) rmSync(`${current}.${i}`, { force: true });
        renameSync(from, `${current}.${i}`);
      }
    }
    size = 0;
  }

  function write(stream: LogLine['stream'], line: string) {
    const entry: LogLine = { ts: new Date().toISOString(), stream, line: line.length > MAX_LINE ? line.slice(0, MAX_LINE) + '…' : line };
    const text = JSON.stringify(entry) + '\n';
    if (size > 0 && size + text.length > maxBytes) rotate();
    try {
      appendFileSync(current, text);
      size += Buffer.byteLength(text);
    } catch {
      // The log dir was removed (agent deleted while output was in flight): drop the line.
    }
  }

  return {
    write,
    attach(stream, readable) {
      let pending = '';
      readable.setEncoding('utf8');
      readable.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          write(stream, pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        if (pending.length > MAX_LINE) {
          write(stream, pending);
          pending = '';
        }
      });
      readable.on('end', () => {
        if (pending) write(stream, pending);
        pending = '';
      });
      readable.on('error', () => {});
    },
  };
}

function parse(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    try {
      out.push(JSON.parse(raw) as LogLine);
    } catch {
      // A line cut by a crash mid-write: skip it.
    }
  }
  return out;
}

/** The last `tail` lines, then (with follow) new lines as they are written, until the signal aborts. */
export async function* readLogs(logDir: string, opts: LogOptions = {}): AsyncIterable<LogLine> {
  const tail = Math.min(Math.max(opts.tail ?? 100, 0), 10_000);
  const current = join(logDir, LOG_FILE);
  const lines: LogLine[] = [];
  for (let i = 10; i >= 1; i--) {
    const f = `${current}.${i}`;
    if (existsSync(f)) lines.push(...parse(readFileSync(f, 'utf8')));
  }
  let offset = 0;
  if (existsSync(current)) {
    const buf = readFileSync(current);
    offset = buf.length;
    lines.push(...parse(buf.toString('utf8')));
  }
  for (const l of tail === 0 ? [] : lines.slice(-tail)) yield l;
  if (!opts.follow) return;
  const signal = opts.signal;
  let partial = '';
  while (!signal?.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 250);
      signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
    if (signal?.aborted) return;
    if (!existsSync(current)) continue;
    const size = statSync(current).size;
    if (size < offset) offset = 0; // rotated: the new file starts from scratch
    if (size === offset) continue;
    const fh = await open(current, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const text = partial + buf.toString('utf8');
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      for (const l of parse(text.slice(0, cut + 1))) yield l;
    } finally {
      await fh.close();
    }
  }
}
