// Calls to LLM providers, always through the egress guard's fetch. Speaks OpenAI
// chat-completions to callers whatever the provider type (Anthropic is translated).
import { AppError } from '../../lib/errors.js';
import { ANTHROPIC_VERSION, createAnthropicStreamTranslator, fromAnthropicResponse, toAnthropicRequest } from './anthropic.js';
import { readSse, type ChatChunk, type ChatCompletion, type ChatRequest } from './openai-types.js';

export type ProviderType = 'openai' | 'anthropic';

export interface UpstreamTarget {
  type: ProviderType;
  baseUrl: string;
  apiKey: string | null;
}

export type UpstreamFetch = (url: string, init: RequestInit & { timeoutMs?: number; maxBytes?: number }) => Promise<Response>;

/** LLM calls may take minutes; the egress default (15 s) is for metadata fetches. */
export const LLM_TIMEOUT_MS = 600_000;

export class UpstreamError extends AppError {}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

function anthropicBase(url: string): string {
  return trimBase(url).replace(/\/v1$/, '');
}

function headersFor(t: UpstreamTarget): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (t.type === 'anthropic') {
    h['anthropic-version'] = ANTHROPIC_VERSION;
    if (t.apiKey) h['x-api-key'] = t.apiKey;
  } else if (t.apiKey) h.authorization = `Bearer ${t.apiKey}`;
  return h;
}

/**
 * Maps a provider's refusal onto our stable codes, keeping its message for the agent — but
 * never the key: auth failures get our own message (providers quote keys in them), and any
 * other message has the key masked.
 */
async function upstreamFailure(res: Response, apiKey: string | null): Promise<UpstreamError> {
  const details = { upstreamStatus: res.status };
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel().catch(() => {});
    return new UpstreamError(502, 'LLM_UPSTREAM_AUTH_FAILED', `The provider refused the API key configured in Pilox (${res.status})`, details);
  }
  let message = `provider answered ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } | string; message?: string };
    const m = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (m) message = `${message}: ${String(m).slice(0, 500)}`;
  } catch {
    // not JSON: keep the status only
  }
  if (apiKey) message = message.split(apiKey).join('***');
  if (res.status === 429) return new UpstreamError(429, 'LLM_UPSTREAM_RATE_LIMITED', message, details);
  if (res.status >= 400 && res.status < 500) return new UpstreamError(400, 'LLM_UPSTREAM_REJECTED', message, details);
  return new UpstreamError(502, 'LLM_UPSTREAM_ERROR', message, details);
}

export interface StreamResult {
  chunks: AsyncGenerator<ChatChunk>;
  /** Filled as the stream goes; `reported` once the provider has sent its final counts. */
  usage: { input: number; output: number; reported: boolean };
}

export function createProviderClient(fetchUpstream: UpstreamFetch) {
  async function post(t: UpstreamTarget, body: unknown, signal?: AbortSignal): Promise<Response> {
    const url = t.type === 'anthropic' ? `${anthropicBase(t.baseUrl)}/v1/messages` : `${trimBase(t.baseUrl)}/chat/completions`;
    const res = await fetchUpstream(url, { method: 'POST', headers: headersFor(t), body: JSON.stringify(body), signal, timeoutMs: LLM_TIMEOUT_MS });
    if (!res.ok) throw await upstreamFailure(res, t.apiKey);
    return res;
  }

  return {
    async listModels(t: UpstreamTarget, signal?: AbortSignal): Promise<string[]> {
      const url = t.type === 'anthropic' ? `${anthropicBase(t.baseUrl)}/v1/models` : `${trimBase(t.baseUrl)}/models`;
      const res = await fetchUpstream(url, { method: 'GET', headers: headersFor(t), signal, timeoutMs: 30_000, maxBytes: 4 * 1_048_576 });
      if (!res.ok) throw await upstreamFailure(res, t.apiKey);
      const body = (await res.json()) as { data?: { id?: unknown }[] };
      return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string').slice(0, 1000);
    },

    async complete(t: UpstreamTarget, req: ChatRequest, signal?: AbortSignal): Promise<ChatCompletion> {
      const created = Math.floor(Date.now() / 1000);
      if (t.type === 'anthropic') {
        const res = await post(t, toAnthropicRequest({ ...req, stream: false }), signal);
        return fromAnthropicResponse((await res.json()) as Parameters<typeof fromAnthropicResponse>[0], created);
      }
      const res = await post(t, { ...req, stream: false, stream_options: undefined }, signal);
      return (await res.json()) as ChatCompletion;
    },

    async stream(t: UpstreamTarget, req: ChatRequest, signal?: AbortSignal): Promise<StreamResult> {
      const usage = { input: 0, output: 0, reported: false };
      const created = Math.floor(Date.now() / 1000);
      if (t.type === 'anthropic') {
        const res = await post(t, toAnthropicRequest({ ...req, stream: true }), signal);
        const tr = createAnthropicStreamTranslator(req.model, created);
        async function* chunks(): AsyncGenerator<ChatChunk> {
          for await (const ev of readSse(res.body!)) {
            const out = tr.translate(JSON.parse(ev.data) as Record<string, unknown>);
            usage.input = tr.usage.input;
            usage.output = tr.usage.output;
            if (ev.event === 'message_stop' || (JSON.parse(ev.data) as { type?: string }).type === 'message_stop') usage.reported = true;
            if (out) yield out;
          }
        }
        return { chunks: chunks(), usage };
      }
      // Always ask for usage: every call is metered, whether or not the agent asked to see it.
      const res = await post(t, { ...req, stream: true, stream_options: { include_usage: true } }, signal);
      async function* chunks(): AsyncGenerator<ChatChunk> {
        for await (const ev of readSse(res.body!)) {
          if (ev.data === '[DONE]') return;
          const c = JSON.parse(ev.data) as ChatChunk;
          if (c.usage) {
            usage.input = c.usage.prompt_tokens;
            usage.output = c.usage.completion_tokens;
            usage.reported = true;
          }
          yield c;
        }
      }
      return { chunks: chunks(), usage };
    },
  };
}

export type ProviderClient = ReturnType<typeof createProviderClient>;
