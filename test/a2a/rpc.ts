import { randomUUID } from 'node:crypto';
import type { TestApp } from '../helpers/app.js';

export interface RpcAnswer {
  status: number;
  body: { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
  headers: Record<string, unknown>;
  raw: string;
}

/** One JSON-RPC POST through app.inject (no network). */
export async function rpc(
  t: TestApp,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RpcAnswer> {
  const res = await t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let parsed: RpcAnswer['body'];
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = { jsonrpc: 'not-json', id: null };
  }
  return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.body };
}

export const sendMessage = (text: string, extra: Record<string, unknown> = {}, messageExtra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: randomUUID(),
  method: 'SendMessage',
  params: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...messageExtra }, ...extra },
});

export const call = (method: string, params: unknown, id: string | number = 1) => ({ jsonrpc: '2.0', id, method, params });

export const V1 = { 'a2a-version': '1.0' };
