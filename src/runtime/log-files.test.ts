import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogWriter, readLogs } from './log-files.js';
import type { LogLine } from './runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function all(it: AsyncIterable<LogLine>) {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('rotating log files', () => {
  it('caps each file and keeps a bounded number of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilox-logs-'));
    dirs.push(dir);
    const w = createLogWriter(dir, { maxBytes: 2000, files: 2 });
    for (let i = 0; i < 500; i++) w.write('stdout', `line ${i}`);
    const files = readdirSync(dir);
    expect(files.sort()).toEqual(['agent.log', 'agent.log.1', 'agent.log.2']);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2000);
    const tail = await all(readLogs(dir, { tail: 3 }));
    expect(tail.map((l) => l.line)).toEqual(['line 497', 'line 498', 'line 499']);
  });

  it('follows new lines until aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilox-logs-'));
    dirs.push(dir);
    const w = createLogWriter(dir);
    w.write('stdout', 'first');
    const abort = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of readLogs(dir, { tail: 10, follow: true, signal: abort.signal })) {
        seen.push(l.line);
        if (seen.length === 2) abort.abort();
      }
    })();
    setTimeout(() => w.write('stderr', 'second'), 100);
    await done;
    expect(seen).toEqual(['first', 'second']);
  });
});
