// Small HTTP helpers for handlers that run on an agent's pilox.sock (plain node:http, no Fastify:
// these requests come from inside sandboxes, one per LLM call, and skip the public API stack).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, PayloadTooLargeError, ValidationError } from '../../lib/errors.js';

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new PayloadTooLargeError(`Request body is larger than ${maxBytes} bytes`);
    chunks.push(c as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('body: not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
}

/**
 * Our error shape `{ error: { code, message } }`, plus `type` so OpenAI client libraries that
 * read `error.type` show something meaningful.
 */
export function errorBody(err: AppError): { error: { code: string; message: string; type: string; details?: Record<string, unknown> } } {
  return { error: { code: err.code, message: err.message, type: err.code.toLowerCase(), ...(err.details ? { details: err.details } : {}) } };
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof AppError ? err : new AppError(500, 'INTERNAL_ERROR', 'Internal error');
  const retry = (e.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  sendJson(res, e.status, errorBody(e), retry !== undefined ? { 'retry-after': String(retry) } : {});
}
