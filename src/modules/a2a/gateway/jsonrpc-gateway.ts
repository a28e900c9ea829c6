// The JSON-RPC endpoints' core, framework-free: one call in, one reply (a JSON-RPC response or
// an event stream) out. Order of checks: credentials, JSON, request shape, protocol version,
// caller policy (role, allowlist, rate limit), method, params, agent; then the SDK's transport
// handler of the negotiated version runs the method. Bad input never becomes an HTTP 5xx.
import { JsonRpcTransportHandler } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import type { Principal } from '../../../http/principal.js';
import { AppError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { AgentDirectory } from '../a2a.ports.js';
import type { CallerPolicy } from './caller-policy.js';
import type { Calls } from './calls.js';
import { legacyCardJson, platformCardJson, wireCard, type WireVersion } from './cards.js';
import {
  canonicalMethod,
  chooseVersion,
  CODES,
  errorResponse,
  idOf,
  requestProblem,
  STORE_ONLY_METHODS,
  STREAMING_METHODS,
  tooDeep,
  V1_METHODS,
  type JsonRpcId,
  type JsonRpcResponse,
} from './jsonrpc-protocol.js';
import { paramsProblem } from './params-check.js';

/** The body was not JSON (the HTTP adapter parses, the core decides the answer). */
export const INVALID_JSON = Symbol('invalid-json');

export interface JsonRpcCall {
  target: { kind: 'agent'; slug: string } | { kind: 'platform' };
  principal: Principal;
  body: unknown;
  versionHeader?: string;
  extensionsHeader?: string;
  clientIp: string;
}

export type JsonRpcReply =
  | { kind: 'json'; status: number; body: JsonRpcResponse; retryAfterSeconds?: number }
  | { kind: 'stream'; events: AsyncGenerator<JsonRpcResponse>; onError: (err: unknown) => JsonRpcResponse };

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Platform calls name their agent: A2A 1.0 `tenant`, else `pilox.agent` metadata (0.3). */
function agentNamed(params: Obj | undefined): string | undefined {
  const message = params?.message as Obj | undefined;
  const fromMeta = (m: unknown) => (m && typeof m === 'object' ? str((m as Obj)['pilox.agent']) : undefined);
  return str(params?.tenant) ?? fromMeta(message?.metadata) ?? fromMeta(params?.metadata);
}

export function createJsonRpcGateway(deps: { calls: Calls; policy: CallerPolicy; directory: AgentDirectory; origin: string; logger: Logger }) {
  const { calls, policy, logger } = deps;

  const json = (status: number, body: JsonRpcResponse, retryAfterSeconds?: number): JsonRpcReply => ({ kind: 'json', status, body, retryAfterSeconds });

  /** Internal errors keep their cause in the log, never in the answer. */
  function sanitize(body: JsonRpcResponse): JsonRpcResponse {
    if (body.error?.code === CODES.INTERNAL_ERROR) {
      logger.warn({ error: body.error.message }, 'a2a: internal error answered to a JSON-RPC call');
      return { jsonrpc: '2.0', id: body.id, error: { code: CODES.INTERNAL_ERROR, message: 'Internal error' } };
    }
    return body;
  }

  function fromAppError(err: unknown, id: JsonRpcId, version: WireVersion): JsonRpcReply {
    if (err instanceof AppError && err.status === 404) {
      return json(404, errorResponse(id, CODES.AGENT_NOT_FOUND, 'Agent not found', version, 'AGENT_NOT_FOUND'));
    }
    if (err instanceof AppError && err.status === 503) {
      return json(503, errorResponse(id, CODES.AGENT_UNAVAILABLE, err.message, version, err.code));
    }
    if (err instanceof AppError && err.status < 500) {
      return json(200, errorResponse(id, CODES.INVALID_PARAMS, err.message, version, err.code));
    }
    logger.error({ err }, 'a2a: resolving the agent failed');
    return json(503, errorResponse(id, CODES.AGENT_UNAVAILABLE, 'The agent directory is unavailable', version, 'UNAVAILABLE'));
  }

  async function handle(call: JsonRpcCall): Promise<JsonRpcReply> {
    const id = idOf(call.body);
    if (call.principal.kind === 'anonymous' && !policy.anonymousAllowed) {
      return json(401, errorResponse(id, CODES.UNAUTHENTICATED, 'Authentication required', '1.0', 'UNAUTHENTICATED'));
    }
    if (call.body === INVALID_JSON) return json(200, errorResponse(null, CODES.PARSE_ERROR, 'Parse error: the body is not valid JSON', '0.3'));
    const problem = requestProblem(call.body);
    if (problem) return json(200, errorResponse(id, CODES.INVALID_REQUEST, `Invalid Request: ${problem}`, '0.3'));
    if (tooDeep(call.body)) return json(200, errorResponse(id, CODES.INVALID_REQUEST, 'Invalid Request: the body is nested too deeply', '0.3'));
    const body = call.body as { method: string; params?: Obj };

    const choice = chooseVersion(call.versionHeader, body.method);
    if (!choice.ok) {
      return json(
        200,
        errorResponse(id, CODES.VERSION_NOT_SUPPORTED, `A2A version ${choice.requested} is not supported (supported: 1.0, 0.3)`, '1.0', 'VERSION_NOT_SUPPORTED'),
      );
    }
    const version = choice.version;
    const legacy = version === '0.3';
    const method = canonicalMethod(body.method);

    const refusal = await policy.check(call.principal, body.method, call.clientIp);
    if (refusal) return json(refusal.status, errorResponse(id, refusal.code, refusal.message, version, refusal.reason), refusal.retryAfterSeconds);

    const known = legacy ? method !== body.method : V1_METHODS.has(body.method);
    if (!known) return json(200, errorResponse(id, CODES.METHOD_NOT_FOUND, `Method not found: ${body.method.slice(0, 64)}`, version));
    const pp = paramsProblem(method, legacy, body.params);
    if (pp) return json(200, errorResponse(id, CODES.INVALID_PARAMS, `Invalid params: ${pp}`, version));

    let slug: string;
    if (call.target.kind === 'agent') {
      slug = call.target.slug;
      const tenant = str(body.params?.tenant);
      if (tenant && tenant !== slug) return json(200, errorResponse(id, CODES.INVALID_PARAMS, 'Invalid params: params.tenant names another agent than this endpoint', version));
    } else {
      const named = agentNamed(body.params);
      if (!named) {
        if (method === 'GetExtendedAgentCard') {
          const card = platformCardJson(deps.origin, await deps.directory.listVisible(call.principal), policy.anonymousAllowed);
          return json(200, { jsonrpc: '2.0', id, result: legacy ? legacyCardJson(card) : wireCard(card, '1.0') });
        }
        return json(
          200,
          errorResponse(
            id,
            CODES.INVALID_PARAMS,
            'Invalid params: name the agent with params.tenant (A2A 1.0) or message metadata "pilox.agent", or call /a2a/agents/<slug>',
            version,
            'AGENT_NOT_NAMED',
          ),
        );
      }
      slug = named;
    }
    if (slug.length > 256) return json(404, errorResponse(id, CODES.AGENT_NOT_FOUND, 'Agent not found', version, 'AGENT_NOT_FOUND'));

    let target;
    try {
      target = await calls.resolve(slug, call.principal, { storeOnly: STORE_ONLY_METHODS.has(method) });
    } catch (err) {
      return fromAppError(err, id, version);
    }
    const { handler, context } = calls.build(target, call.principal, version, {
      extensions: call.extensionsHeader,
      streaming: STREAMING_METHODS.has(method),
      freshContext: !str((body.params?.message as Obj | undefined)?.contextId),
    });
    const transport = legacy ? new LegacyJsonRpcTransportHandler(handler) : new JsonRpcTransportHandler(handler);
    const mapError = (err: unknown): JsonRpcResponse =>
      sanitize({
        jsonrpc: '2.0',
        id,
        error: legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(err) : JsonRpcTransportHandler.mapToJSONRPCError(err),
      });
    const out = await transport.handle(call.body as Record<string, unknown>, context);
    if (typeof (out as AsyncGenerator)[Symbol.asyncIterator] !== 'function') return json(200, sanitize(out as JsonRpcResponse));

    // Errors before the first event are answered as plain JSON (A2A §9.4.2); later ones in-stream.
    const events = out as AsyncGenerator<JsonRpcResponse>;
    let first: IteratorResult<JsonRpcResponse>;
    try {
      first = await events.next();
    } catch (err) {
      return json(200, mapError(err));
    }
    async function* all(): AsyncGenerator<JsonRpcResponse> {
      if (!first.done) yield first.value;
      yield* { [Symbol.asyncIterator]: () => events };
    }
    return { kind: 'stream', events: all(), onError: mapError };
  }

  return { handle };
}

export type JsonRpcGateway = ReturnType<typeof createJsonRpcGateway>;
