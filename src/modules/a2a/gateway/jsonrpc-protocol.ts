// JSON-RPC 2.0 framing for the A2A bindings (A2A §9): method names of both protocol versions,
// version negotiation (§3.6.2), structural checks done before the SDK sees a body, and the
// error envelopes Pilox itself produces. Everything here is pure.
import { ERROR_INFO_TYPE } from '@a2a-js/sdk/errors';
import type { WireVersion } from './cards.js';

export type JsonRpcId = string | number | null;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: JsonRpcError;
}

/** JSON-RPC and A2A codes (A2A §5.4), plus Pilox's own in the implementation-defined range. */
export const CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  VERSION_NOT_SUPPORTED: -32009,
  UNAUTHENTICATED: -32040,
  PERMISSION_DENIED: -32041,
  RATE_LIMITED: -32042,
  AGENT_NOT_FOUND: -32044,
  AGENT_UNAVAILABLE: -32053,
} as const;

const LEGACY_TO_V1: Record<string, string> = {
  'message/send': 'SendMessage',
  'message/stream': 'SendStreamingMessage',
  'tasks/get': 'GetTask',
  'tasks/cancel': 'CancelTask',
  'tasks/resubscribe': 'SubscribeToTask',
  'tasks/pushNotificationConfig/set': 'CreateTaskPushNotificationConfig',
  'tasks/pushNotificationConfig/get': 'GetTaskPushNotificationConfig',
  'tasks/pushNotificationConfig/list': 'ListTaskPushNotificationConfigs',
  'tasks/pushNotificationConfig/delete': 'DeleteTaskPushNotificationConfig',
  'agent/getAuthenticatedExtendedCard': 'GetExtendedAgentCard',
};
export const V1_METHODS = new Set([...Object.values(LEGACY_TO_V1), 'ListTasks']);
export const STREAMING_METHODS = new Set(['SendStreamingMessage', 'SubscribeToTask']);
/** Methods that only read what Pilox stores: they work while the agent is stopped. */
export const STORE_ONLY_METHODS = new Set([
  'GetTask',
  'ListTasks',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
]);

const isLegacyName = (m: string) => Object.hasOwn(LEGACY_TO_V1, m);

/** The 1.0 name of a method of either version; unknown names come back unchanged. */
export function canonicalMethod(method: string): string {
  return isLegacyName(method) ? LEGACY_TO_V1[method]! : method;
}

export type VersionChoice = { ok: true; version: WireVersion } | { ok: false; requested: string };

/**
 * A2A §3.6.2: the A2A-Version header names the version; without one the request is 0.3. As a
 * courtesy, a 1.0 method name without a header is served as 1.0 (no 0.3 method has that name).
 */
export function chooseVersion(header: string | undefined, method: string): VersionChoice {
  const h = header?.trim();
  if (!h) return { ok: true, version: V1_METHODS.has(method) && !isLegacyName(method) ? '1.0' : '0.3' };
  if (/^1(\.0)?(\.\d+)?$/.test(h)) return { ok: true, version: '1.0' };
  if (/^0\.3(\.\d+)?$/.test(h)) return { ok: true, version: '0.3' };
  return { ok: false, requested: h.slice(0, 32) };
}

export function idOf(body: unknown): JsonRpcId {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const id = (body as { id?: unknown }).id;
    if (typeof id === 'string' && id.length <= 256) return id;
    if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  }
  return null;
}

function errorInfo(reason: string) {
  return [{ '@type': ERROR_INFO_TYPE, reason, domain: 'pilox' }];
}

export function errorResponse(id: JsonRpcId, code: number, message: string, version: WireVersion, reason?: string): JsonRpcResponse {
  const error: JsonRpcError = { code, message };
  if (reason && version === '1.0') error.data = errorInfo(reason);
  return { jsonrpc: '2.0', id, error };
}

/** Deeper bodies are refused: no A2A object needs them, and they only cost stack and storage. */
const MAX_DEPTH = 32;

export function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_DEPTH) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return false;
}

/** A JSON-RPC 2.0 request object (batches are not part of the A2A bindings). */
export function requestProblem(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body must be one JSON-RPC request object';
  const r = body as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (typeof r.method !== 'string' || r.method === '' || r.method.length > 128) return 'method must be a non-empty string';
  if ('id' in r && !(r.id === null || typeof r.id === 'string' || (typeof r.id === 'number' && Number.isSafeInteger(r.id)))) {
    return 'id must be a string, an integer or null';
  }
  if ('params' in r && (r.params === null || typeof r.params !== 'object' || Array.isArray(r.params))) {
    return 'params must be an object';
  }
  return null;
}
