// Every capability appears in the OpenAPI document: each /api route the app registers must be
// described there with its method (ARCHITECTURE rule 5), so a route added without schemas fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('OpenAPI coverage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes every /api route with its method', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const toOpenApi = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const apiRoutes = t.app.routeAccess.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(apiRoutes.length).toBeGreaterThan(80);
    const missing = apiRoutes
      .filter((r) => r.url !== '/api/openapi.json')
      .filter((r) => !doc.paths[toOpenApi(r.url)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });
});
