import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConversationStore } from './conversations.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runner conversation store', () => {
  it('keeps each context apart, under hashed file names, and drops the oldest turns', () => {
    dir = mkdtempSync(join(tmpdir(), 'runner-conv-'));
    const store = createConversationStore(dir);
    store.save('../../etc/passwd', [{ role: 'user', content: 'x' }]);
    expect(readdirSync(join(dir, 'conversations'))).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.json$/)]);
    expect(store.load('../../etc/passwd')).toEqual([{ role: 'user', content: 'x' }]);
    expect(store.load('other')).toEqual([]);
    const long = Array.from({ length: 250 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: String(i) }));
    store.save('c', long);
    const kept = store.load('c');
    expect(kept.length).toBeLessThanOrEqual(200);
    expect(kept[0]!.role).toBe('user');
    expect(kept.at(-1)!.content).toBe('249');
  });
});
