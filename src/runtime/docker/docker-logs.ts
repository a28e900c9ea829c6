// Container logs as LogLine records. The Docker API multiplexes stdout/stderr of a non-TTY
// container into frames: [stream(1) 0 0 0 size(4, big-endian)] payload. With `timestamps=1`
// every line starts with an RFC 3339 time and a space.
import type { LogLine } from '../runtime.js';

const STREAMS: Record<number, LogLine['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/** Incremental parser: feed chunks, get complete lines (a line may span frames and chunks). */
export class LogDemuxer {
  private buf: Buffer = Buffer.alloc(0);
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  /** Some engines answer raw (TTY-like) text; decided on the first bytes. */
  private raw: boolean | null = null;

  push(chunk: Buffer): LogLine[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.raw === null && this.buf.length >= 8) {
      const b = this.buf;
      this.raw = !(b[0]! <= 2 && b[1] === 0 && b[2] === 0 && b[3] === 0);
    }
    const out: LogLine[] = [];
    if (this.raw === null) return out;
    if (this.raw) {
      this.take('stdout', this.buf.toString('utf8'), out);
      this.buf = Buffer.alloc(0);
      return out;
    }
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const stream = STREAMS[this.buf[0]!] ?? 'stdout';
      this.take(stream as 'stdout' | 'stderr', this.buf.subarray(8, 8 + size).toString('utf8'), out);
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }

  /** Lines still waiting for their newline (call at end of stream). */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    if (this.raw === null && this.buf.length) this.take('stdout', this.buf.toString('utf8') + '\n', out);
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) this.take(s, '\n', out);
    }
    return out;
  }

  private take(stream: 'stdout' | 'stderr', text: string, out: LogLine[]): void {
    const all = this.partial[stream] + text;
    const lines = all.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const l of lines) out.push(toLogLine(stream, l.replace(/\r$/, '')));
  }
}

function toLogLine(stream: LogLine['stream'], text: string): LogLine {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)) (.*)$/s.exec(text);
  if (m) {
    const ts = new Date(m[1]!);
    if (!Number.isNaN(ts.getTime())) return { ts: ts.toISOString(), stream, line: m[2]! };
  }
  return { ts: new Date().toISOString(), stream, line: text };
}

/** Parses a whole (non-follow) logs response. */
export function parseLogBuffer(buf: Buffer): LogLine[] {
  const d = new LogDemuxer();
  return [...d.push(buf), ...d.flush()];
}
