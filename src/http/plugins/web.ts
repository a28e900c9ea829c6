// Serves the dashboard (web/dist, built by `npm run build`) at `/`. Client-side routes fall
// back to index.html; the API namespaces never do (an unknown /api path stays a JSON 404).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { packageRoot } from '../../lib/paths.js';

export const webDistDir = join(packageRoot, 'web', 'dist');
const API_PREFIXES = ['/api', '/a2a', '/.well-known', '/metrics'];

export type SpaFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/** Registers the static files; returns the fallback for unknown client-side paths, or null. */
export async function registerWeb(app: FastifyInstance): Promise<SpaFallback | null> {
  const indexFile = join(webDistDir, 'index.html');
  if (!existsSync(indexFile)) return null;
  const indexHtml = readFileSync(indexFile);
  await app.register(fastifyStatic, {
    root: webDistDir,
    prefix: '/',
    // One route per built file instead of a catch-all, so API 404s stay JSON.
    wildcard: false,
    index: false,
    setHeaders(res, path) {
      // Hashed asset names change with their content: cache forever. Everything else revalidates.
      res.header('cache-control', path.includes(join('dist', 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    if (API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return null;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  };
}
