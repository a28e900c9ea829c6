import { describe, expect, it } from 'vitest';
import { LogDemuxer } from './docker-logs.js';

const frame = (stream: 1 | 2, text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
};

describe('LogDemuxer', () => {
  it('splits multiplexed frames into lines per stream', () => {
    const d = new LogDemuxer();
    const out = d.push(Buffer.concat([frame(1, 'one\ntwo\n'), frame(2, 'err\n')]));
    expect(out).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stderr', line: 'err' },
    ]);
  });

  it('joins a line cut across frames and chunks, and keeps streams apart', () => {
    const d = new LogDemuxer();
    const bytes = Buffer.concat([frame(1, 'hel'), frame(2, 'oops'), frame(1, 'lo\n'), frame(2, '\n')]);
    const out = [];
    for (let i = 0; i < bytes.length; i += 5) out.push(...d.push(bytes.subarray(i, i + 5)));
    expect(out).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stderr', line: 'oops' },
    ]);
  });

  it('returns an unterminated last line on flush', () => {
    const d = new LogDemuxer();
    expect(d.push(frame(1, 'no newline'))).toEqual([]);
    expect(d.flush()).toEqual([{ stream: 'stdout', line: 'no newline' }]);
  });

  it('reads raw (non-multiplexed) text as stdout', () => {
    const d = new LogDemuxer();
    expect(d.push(Buffer.from('plain text line\r\nnext'))).toEqual([{ stream: 'stdout', line: 'plain text line' }]);
    expect(d.flush()).toEqual([{ stream: 'stdout', line: 'next' }]);
  });

  it('cuts a line that never ends instead of buffering it forever', () => {
    const d = new LogDemuxer();
    const out = d.push(frame(1, 'x'.repeat(20_000)));
    expect(out).toHaveLength(1);
    expect(out[0]!.line).toHaveLength(20_000);
  });

  it('splits the engine timestamp off each line when asked', () => {
    const d = new LogDemuxer(true);
    expect(d.push(frame(2, '2026-11-27T11:40:00.123456789Z boom at 2026-01-01T00:00:00Z\n'))).toEqual([
      { stream: 'stderr', ts: '2026-11-27T11:40:00.123Z', line: 'boom at 2026-01-01T00:00:00Z' },
    ]);
    expect(new LogDemuxer().push(frame(1, '2026-11-27T11:40:00Z kept as is\n'))).toEqual([{ stream: 'stdout', line: '2026-11-27T11:40:00Z kept as is' }]);
  });
});
