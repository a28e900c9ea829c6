// The LLM gateway agents reach on their pilox.sock: an OpenAI-compatible `POST
// /v1/chat/completions` (streamed or not) and `GET /v1/models`. The caller is known from the
// socket (AgentHostIdentity), never from a credential; the agent's ManagedConfig decides the
// provider, model, limits and budget; every call writes exactly one inference_usage row.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../../lib/clock.js';
import { AppError, BadRequestError, ForbiddenError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentHostIdentity } from '../../runtime/agent-host.js';
import type { ManagedConfig } from '../agents/managed-config.js';
import { errorBody, readJsonBody, sendError, sendJson } from './gateway-http.js';
import type { SpendDecision, SpendGuard } from './llm.ports.js';
import type { ChatChunk, ChatRequest } from './openai-types.js';
import { textOfContent } from './openai-types.js';
import type { ProviderClient } from './provider-client.js';
import { costMicros, type ProvidersService, type ResolvedProvider } from './providers.service.js';
import type { UsageInsert, UsageRepo } from './usage.repo.js';
import type { UsageWriter } from './usage-writer.js';

export const GATEWAY_MAX_BODY_BYTES = 4 * 1_048_576;
const SPEND_CACHE_MS = 1_000;

/** A refusal by Pilox before any provider call: 402 (money) or 429 (rate). */
export class PaymentRequiredError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(402, code, message, details);
  }
}

const content = z.union([z.string().max(1_000_000), z.array(z.looseObject({ type: z.string().max(50), text: z.string().max(1_000_000).optional() })).max(100), z.null()]);
const chatRequestSchema = z.looseObject({
  model: z.string().max(200).optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: content.optional(),
        name: z.string().max(200).optional(),
        tool_call_id: z.string().max(200).optional(),
        tool_calls: z
          .array(z.looseObject({ id: z.string().max(200), type: z.literal('function'), function: z.object({ name: z.string().max(200), arguments: z.string().max(1_000_000) }) }))
          .max(128)
          .optional(),
      }),
    )
    .min(1)
    .max(2000),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  tools: z
    .array(z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().max(64), description: z.string().max(4000).optional(), parameters: z.record(z.string(), z.unknown()).optional() }) }))
    .max(128)
    .optional(),
});

export interface GatewayDeps {
  providers: Pick<ProvidersService, 'resolve'>;
  client: ProviderClient;
  usage: Pick<UsageRepo, 'totalsSince'>;
  usageWriter: Pick<UsageWriter, 'add'>;
  kv: Kv;
  spendGuard: SpendGuard;
  clock: Clock;
  logger: Logger;
}

function startOfDayUtc(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
function startOfMonthUtc(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** Rough count for calls cut short before the provider reported usage (about 4 characters a token). */
function estimateTokens(req: ChatRequest): number {
  let chars = 0;
  for (const m of req.messages) chars += textOfContent(m.content).length + 4;
  return Math.ceil(chars / 4);
}

export function createLlmGateway(deps: GatewayDeps) {
  const { providers, client, usage, usageWriter, kv, spendGuard, clock, logger } = deps;
  const tpmKey = (agentId: string, minute: number) => `llm:tpm:${agentId}:${minute}`;
  // Billing's answer is reused for a second per owner: it is a database read on every call
  // otherwise (measured: p50 added 0.56 → 1.43 ms), and billing's own limits already lag
  // metering by seconds. Refusals are not cached, so a top-up takes effect at once.
  const spendCache = new Map<string, number>();
  async function spendAllowed(ownerId: string): Promise<SpendDecision> {
    const now = Date.now();
    const until = spendCache.get(ownerId);
    if (until !== undefined && until > now) return { allowed: true };
    const decision = await spendGuard.check(ownerId);
    if (spendCache.size > 10_000) spendCache.clear();
    if (decision.allowed) spendCache.set(ownerId, now + SPEND_CACHE_MS);
    else spendCache.delete(ownerId);
    return decision;
  }

  function record(row: UsageInsert, managed: ManagedConfig | null, agentId: string) {
    const tokens = (row.tokensIn ?? 0) + (row.tokensOut ?? 0);
    usageWriter.add(row);
    if (managed?.limits.tokensPerMinute && tokens > 0) {
      // Off the response path; a failed count is logged (the call itself already happened).
      kv.incr(tpmKey(agentId, Math.floor(clock.now().getTime() / 60_000)), { by: tokens, ttlMs: 120_000 }).catch((err) =>
        logger.error({ err, agentId }, 'llm gateway: could not count tokens per minute'),
      );
    }
  }

  /** Limits and budgets, cheapest first. Throws 402/429 AppErrors. */
  async function admit(agent: AgentHostIdentity, managed: ManagedConfig): Promise<void> {
    const spend = await spendAllowed(agent.ownerId);
    if (!spend.allowed) throw new PaymentRequiredError(spend.code, spend.message);
    const { requestsPerMinute, tokensPerMinute } = managed.limits;
    if (requestsPerMinute) {
      const r = await kv.slidingWindow(`llm:rpm:${agent.id}`, requestsPerMinute, 60_000);
      if (!r.allowed) throw new RateLimitedError(Math.max(1, Math.ceil((r.retryAfterMs ?? 1000) / 1000)), `More than ${requestsPerMinute} LLM requests per minute`, 'LLM_RATE_LIMITED');
    }
    const now = clock.now();
    if (tokensPerMinute) {
      const used = Number((await kv.get(tpmKey(agent.id, Math.floor(now.getTime() / 60_000)))) ?? 0);
      if (used >= tokensPerMinute) {
        throw new RateLimitedError(60 - now.getUTCSeconds(), `More than ${tokensPerMinute} LLM tokens per minute`, 'LLM_TOKEN_RATE_LIMITED');
      }
    }
    const b = managed.budget;
    const checks: [Date, number | undefined, number | undefined, string][] = [
      [startOfDayUtc(now), b.dailyTokens, b.dailyCostMicros, 'daily'],
      [startOfMonthUtc(now), b.monthlyTokens, b.monthlyCostMicros, 'monthly'],
    ];
    for (const [since, tokenCap, costCap, period] of checks) {
      if (!tokenCap && !costCap) continue;
      const used = await usage.totalsSince(agent.id, since);
      if (tokenCap && used.tokens >= tokenCap) {
        throw new PaymentRequiredError('LLM_BUDGET_EXCEEDED', `The agent's ${period} token budget (${tokenCap}) is used up`, { period, kind: 'tokens', cap: tokenCap, used: used.tokens });
      }
      if (costCap && used.costMicros >= costCap) {
        throw new PaymentRequiredError('LLM_BUDGET_EXCEEDED', `The agent's ${period} cost budget is used up`, { period, kind: 'cost', cap: costCap, used: used.costMicros });
      }
    }
  }

  function buildRequest(body: z.infer<typeof chatRequestSchema>, managed: ManagedConfig): ChatRequest {
    if (body.model && body.model !== managed.model && body.model !== 'default') {
      throw new ForbiddenError(`This agent may only use the model ${managed.model}`, 'LLM_MODEL_NOT_ALLOWED');
    }
    const req = { ...body, model: managed.model } as ChatRequest;
    const cap = managed.limits.maxOutputTokens;
    const asked = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const max = cap ? Math.min(asked ?? cap, cap) : asked;
    delete req.max_completion_tokens;
    delete req.max_tokens;
    if (max !== undefined) req[body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens'] = max;
    if (body.temperature == null) {
      delete req.temperature;
      if (managed.temperature !== undefined) req.temperature = managed.temperature;
    }
    delete req.stream_options;
    return req;
  }

  async function chat(agent: AgentHostIdentity, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const managed = agent.managed;
    if (!managed) throw new ForbiddenError('Only managed agents may use the LLM gateway', 'LLM_NOT_MANAGED');
    const parsed = chatRequestSchema.safeParse(await readJsonBody(req, GATEWAY_MAX_BODY_BYTES));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(`body.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const request = buildRequest(parsed.data, managed);
    const provider = await providers.resolve(managed.providerId);
    const streamed = parsed.data.stream === true;
    const base = { agentId: agent.id, ownerId: agent.ownerId, providerId: provider.id, providerType: provider.type, model: request.model, streamed };
    const finish = (status: string, tokensIn: number, tokensOut: number, errorCode: string | null = null) =>
      record(
        { ...base, status, errorCode, tokensIn, tokensOut, costMicros: costMicros(provider.models, request.model, tokensIn, tokensOut), durationMs: Math.round(performance.now() - started) },
        managed,
        agent.id,
      );
    try {
      await admit(agent, managed);
    } catch (err) {
      if (err instanceof AppError) finish('rejected', 0, 0, err.code);
      throw err;
    }
    const abort = new AbortController();
    // The agent went away (cancelled task, killed runner): stop paying for tokens nobody reads.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    if (!streamed) {
      try {
        const completion = await client.complete(provider.target, request, abort.signal);
        const u = completion.usage;
        finish('ok', u?.prompt_tokens ?? 0, u?.completion_tokens ?? 0);
        sendJson(res, 200, { ...completion, model: request.model });
      } catch (err) {
        finish(abort.signal.aborted ? 'cancelled' : 'error', 0, 0, err instanceof AppError ? err.code : 'LLM_UPSTREAM_ERROR');
        throw err;
      }
      return;
    }
    await stream(res, provider, request, parsed.data.stream_options?.include_usage === true, abort, finish);
  }

  async function stream(
    res: ServerResponse,
    provider: ResolvedProvider,
    request: ChatRequest,
    wantsUsage: boolean,
    abort: AbortController,
    finish: (status: string, tokensIn: number, tokensOut: number, errorCode?: string | null) => void,
  ): Promise<void> {
    let result;
    try {
      result = await client.stream(provider.target, request, abort.signal);
    } catch (err) {
      finish(abort.signal.aborted ? 'cancelled' : 'error', 0, 0, err instanceof AppError ? err.code : 'LLM_UPSTREAM_ERROR');
      throw err;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let pieces = 0;
    let status = 'ok';
    let errorCode: string | null = null;
    try {
      for await (const chunk of result.chunks) {
        if (res.destroyed) break;
        let out: ChatChunk = chunk;
        if (chunk.usage && !wantsUsage) {
          if (chunk.choices.length === 0) continue;
          out = { ...chunk, usage: undefined };
        }
        out.model = request.model;
        if (chunk.choices[0]?.delta.content || chunk.choices[0]?.delta.tool_calls) pieces++;
        if (!res.write(`data: ${JSON.stringify(out)}\n\n`)) await new Promise((r) => res.once('drain', r));
      }
    } catch (err) {
      if (abort.signal.aborted || res.destroyed) status = 'cancelled';
      else {
        status = 'error';
        errorCode = err instanceof AppError ? err.code : 'LLM_UPSTREAM_ERROR';
        logger.warn({ err }, 'llm gateway: the provider stream failed');
        const e = err instanceof AppError ? err : new AppError(502, 'LLM_UPSTREAM_ERROR', 'The provider stream failed');
        res.write(`data: ${JSON.stringify(errorBody(e))}\n\n`);
      }
    }
    if (status === 'ok' && (abort.signal.aborted || res.destroyed)) status = 'cancelled';
    const u = result.usage;
    // A stream cut short has no final counts: estimate what was sent and produced.
    const tokensIn = u.input || (u.reported ? 0 : estimateTokens(request));
    const tokensOut = u.reported ? u.output : Math.max(u.output, pieces);
    finish(status, tokensIn, tokensOut, errorCode ?? (status === 'cancelled' ? 'CLIENT_DISCONNECTED' : null));
    if (!res.destroyed) res.end(status === 'ok' ? 'data: [DONE]\n\n' : undefined);
  }

  async function models(agent: AgentHostIdentity, res: ServerResponse): Promise<void> {
    if (!agent.managed) throw new ForbiddenError('Only managed agents may use the LLM gateway', 'LLM_NOT_MANAGED');
    const provider = await providers.resolve(agent.managed.providerId);
    sendJson(res, 200, { object: 'list', data: [{ id: agent.managed.model, object: 'model', created: 0, owned_by: provider.type }] });
  }

  return {
    /** Handles `/v1/chat/completions` and `/v1/models`; false when the path is not the gateway's. */
    handle(agent: AgentHostIdentity, req: IncomingMessage, res: ServerResponse, path: string): boolean {
      let work: Promise<void>;
      if (path === '/v1/chat/completions') {
        work = req.method === 'POST' ? chat(agent, req, res) : Promise.reject(new BadRequestError('Use POST', 'METHOD_NOT_ALLOWED'));
      } else if (path === '/v1/models') {
        work = models(agent, res);
      } else return false;
      work.catch((err) => {
        if (!(err instanceof AppError)) logger.error({ err, agentId: agent.id }, 'llm gateway failed');
        if (res.headersSent) res.end();
        else sendError(res, err);
      });
      return true;
    },
  };
}

export type LlmGateway = ReturnType<typeof createLlmGateway>;
