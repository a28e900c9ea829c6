// Copies a container's output into the agent's rotating log files (log-files.ts), so docker
// agents' logs look like every other driver's and outlive the container and the engine.
// The Docker API multiplexes stdout/stderr of a non-TTY container into frames:
// [stream(1) 0 0 0 size(4, big-endian)] payload.
import type Docker from 'dockerode';
import type { LogWriter } from '../log-files.js';

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** Only when the demuxer was told lines start with the engine's timestamp (`timestamps=1`). */
  ts?: string;
}

const MAX_PARTIAL = 16 * 1024;

/** Incremental parser: feed chunks, get complete lines (a line may span frames and chunks). */
export class LogDemuxer {
  private buf: Buffer = Buffer.alloc(0);
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  /** Some engines answer raw (TTY-like) text; decided on the first bytes. */
  private raw: boolean | null = null;

  constructor(private readonly timestamps = false) {}

  push(chunk: Buffer): OutputLine[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.raw === null && this.buf.length >= 8) {
      const b = this.buf;
      this.raw = !(b[0]! <= 2 && b[1] === 0 && b[2] === 0 && b[3] === 0);
    }
    const out: OutputLine[] = [];
    if (this.raw === null) return out;
    if (this.raw) {
      this.take('stdout', this.buf.toString('utf8'), out);
      this.buf = Buffer.alloc(0);
      return out;
    }
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      this.take(this.buf[0] === 2 ? 'stderr' : 'stdout', this.buf.subarray(8, 8 + size).toString('utf8'), out);
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }

  /** What is left at the end of the stream, including lines without their newline. */
  flush(): OutputLine[] {
    const out: OutputLine[] = [];
    if (this.raw === null && this.buf.length) this.take('stdout', this.buf.toString('utf8'), out);
    this.buf = Buffer.alloc(0);
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) out.push(this.line(s, this.partial[s]));
      this.partial[s] = '';
    }
    return out;
  }

  private line(stream: 'stdout' | 'stderr', text: string): OutputLine {
    return this.timestamps ? { stream, ...splitTimestamp(text) } : { stream, line: text };
  }

  private take(stream: 'stdout' | 'stderr', text: string, out: OutputLine[]): void {
    const lines = (this.partial[stream] + text).split('\n');
    let rest = lines.pop() ?? '';
    for (const l of lines) out.push(this.line(stream, l.replace(/\r$/, '')));
    // A program that never prints a newline must not grow this buffer without bound.
    if (rest.length > MAX_PARTIAL) {
      out.push(this.line(stream, rest));
      rest = '';
    }
    this.partial[stream] = rest;
  }
}

/** `2026-11-27T11:40:00.123456789Z text` → ts + text (with `timestamps=1` every line has one). */
function splitTimestamp(text: string): { ts?: string; line: string } {
  const sp = text.indexOf(' ');
  if (sp < 20) return { line: text };
  const ts = new Date(text.slice(0, sp));
  return Number.isNaN(ts.getTime()) ? { line: text } : { ts: ts.toISOString(), line: text.slice(sp + 1) };
}

/**
 * Follows the container's output into `writer` until the container ends (the engine closes the
 * stream) or `signal` aborts. `sinceSec` skips what an earlier pump already copied (re-adoption
 * after a Pilox restart). Resolves when done; never rejects.
 */
export async function pumpLogs(
  docker: Docker,
  containerId: string,
  writer: LogWriter,
  opts: { sinceSec?: number; signal: AbortSignal },
): Promise<void> {
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = await docker.getContainer(containerId).logs({
      follow: true,
      stdout: true,
      stderr: true,
      ...(opts.sinceSec ? { since: opts.sinceSec } : {}),
      abortSignal: opts.signal,
    });
  } catch {
    return;
  }
  const destroy = () => stream.destroy?.();
  opts.signal.addEventListener('abort', destroy, { once: true });
  const demux = new LogDemuxer();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const l of demux.push(chunk)) writer.write(l.stream, l.line);
    }
  } catch {
    // Aborted or the engine went away: what was read is written.
  } finally {
    for (const l of demux.flush()) writer.write(l.stream, l.line);
    opts.signal.removeEventListener('abort', destroy);
    destroy();
  }
}
