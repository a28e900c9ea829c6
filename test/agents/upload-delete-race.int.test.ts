// An upload queued behind the agent's lifecycle lock while the agent is deleted must not extract
// its package afterwards (files nobody owns, never cleaned up).
import { existsSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock } from '../../src/lib/kv/index.js';
import { agentPaths } from '../../src/modules/agents/agents.lifecycle.js';
import { agents } from '../../src/modules/agents/agents.tables.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { echoPackage, upload } from './helpers.js';

let t: TestApp;
let op: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  op = await createTestUser(t, 'operator');
});
afterAll(async () => {
  await t?.close();
});

describe('package upload racing a delete', () => {
  it('an upload waiting on the lifecycle lock finds the agent gone: 404 and no package files', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: { slug: 'race-upload', name: 'Race', kind: 'package' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const paths = agentPaths(t.config.dataDir, id);
    const body = await echoPackage();

    let uploading!: ReturnType<typeof upload>;
    // Hold the agent's lifecycle lock as a delete in progress would, and delete the agent (as
    // remove() does under that lock) while the upload waits for it.
    await withLock(t.kv, `agents:lifecycle:${id}`, async () => {
      uploading = upload(t, op.headers.authorization, id, body);
      // Let the upload pass its ownership check and queue on the lock (it then sees the row gone
      // either way: this only makes the race the one under test).
      await new Promise((r) => setTimeout(r, 1500));
      await t.database.db.delete(agents).where(eq(agents.id, id));
    });
    const res = await uploading;
    expect(res.statusCode, res.body).toBe(404);
    expect(existsSync(paths.packageDir)).toBe(false);
    expect(existsSync(paths.base)).toBe(false);
  }, 60_000);
});
