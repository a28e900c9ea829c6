// The runner's only way out of its sandbox: HTTP over the pilox.sock unix socket (the LLM gateway
// and the tools proxy). The socket path comes from the runtime; no URL from a user is ever
// requested here, so this file is exempt from the egress lint (eslint.config.js).
import { request, type IncomingMessage } from 'node:http';

export class HostError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ChatStreamChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { code?: string; message?: string };
}

async function readAll(res: IncomingMessage): Promise<string> {
  let s = '';
  res.setEncoding('utf8');
  for await (const c of res) s += c;
  return s;
}

async function failure(res: IncomingMessage): Promise<HostError> {
  const body = await readAll(res);
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    return new HostError(res.statusCode ?? 500, e?.code ?? 'HOST_ERROR', e?.message ?? `Pilox answered ${res.statusCode}`);
  } catch {
    return new HostError(res.statusCode ?? 500, 'HOST_ERROR', `Pilox answered ${res.statusCode}`);
  }
}

export function createHostClient(socketPath: string) {
  function send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        { socketPath, method, path, signal, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
        resolve,
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    if ((res.statusCode ?? 500) >= 400) throw await failure(res);
    return JSON.parse(await readAll(res)) as T;
  }

  return {
    /** Streams a chat completion from the gateway; throws HostError on a refusal (402, 429 …). */
    async *chatStream(body: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<ChatStreamChunk> {
      const res = await send('POST', '/v1/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } }, signal);
      if ((res.statusCode ?? 500) >= 400) throw await failure(res);
      res.setEncoding('utf8');
      let buf = '';
      for await (const c of res) {
        buf += c;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!data || data === '[DONE]') continue;
          const chunk = JSON.parse(data) as ChatStreamChunk;
          if (chunk.error) throw new HostError(502, chunk.error.code ?? 'LLM_UPSTREAM_ERROR', chunk.error.message ?? 'the provider failed');
          yield chunk;
        }
      }
    },
    listTools: () => json<{ tools: unknown[] }>('GET', '/v1/tools').then((r) => r.tools),
    callTool: (name: string, args: unknown) => json<{ content: string; isError: boolean }>('POST', '/v1/tools/call', { name, arguments: args }),
  };
}

export type HostClient = ReturnType<typeof createHostClient>;
