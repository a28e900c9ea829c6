import { describe, expect, it } from 'vitest';
import { createUsageWriter } from './usage-writer.js';
import type { UsageInsert } from './usage.repo.js';

const row = (n: number): UsageInsert => ({ agentId: `a${n}`, ownerId: 'o', providerType: 'openai', model: 'm', status: 'ok' });

describe('usage writer', () => {
  it('batches rows, writes them in order, and flushes what is left', async () => {
    const batches: string[][] = [];
    const w = createUsageWriter({ repo: { insert: async (rows) => void batches.push(rows.map((r) => r.agentId)) }, logger: { error: () => {} }, flushMs: 1000, maxBatch: 3 });
    for (let i = 0; i < 4; i++) w.add(row(i));
    await w.flush();
    expect(batches).toEqual([['a0', 'a1', 'a2'], ['a3']]);
  });

  it('logs a failed batch and keeps writing the next ones', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const w = createUsageWriter({
      repo: {
        insert: async () => {
          if (calls++ === 0) throw new Error('db down');
        },
      },
      logger: { error: (o: unknown) => void errors.push(o) },
      flushMs: 1,
    });
    w.add(row(1));
    await w.flush();
    w.add(row(2));
    await w.flush();
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
  });
});
