// MCP tools for managed agents: Pilox calls the agent's configured MCP servers (streamable HTTP)
// on its behalf, through the egress guard, adding header secrets the sandbox never sees.
// Served on pilox.sock as `GET /v1/tools` (OpenAI tool format) and `POST /v1/tools/call`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { AppError, BadRequestError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentHostIdentity } from '../../runtime/agent-host.js';
import type { ManagedToolServer } from '../agents/managed-config.js';
import type { SecretsService } from '../secrets/secrets.service.js';
import { readJsonBody, sendError, sendJson } from './gateway-http.js';
import type { ChatTool } from './openai-types.js';

/** `<server>__<tool>`: OpenAI function names allow [A-Za-z0-9_-]{1,64}. */
export const TOOL_SEPARATOR = '__';
const TOOL_TIMEOUT_MS = 120_000;
const LIST_TTL_MS = 30_000;

const callSchema = z.object({ name: z.string().min(1).max(200), arguments: z.record(z.string(), z.unknown()).default({}) });

export interface ToolsDeps {
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  secrets: Pick<SecretsService, 'resolveForAgent'>;
  logger: Logger;
}

export function createToolsProxy(deps: ToolsDeps) {
  const listCache = new Map<string, { at: number; tools: ChatTool[] }>();

  async function connect(agent: AgentHostIdentity, server: ManagedToolServer): Promise<Client> {
    const headers: Record<string, string> = {};
    const wanted = Object.entries(server.headerSecrets ?? {});
    if (wanted.length > 0) {
      const values = await deps.secrets.resolveForAgent(agent.ownerId, agent.id, wanted.map(([, name]) => name));
      for (const [header, name] of wanted) headers[header] = values[name]!;
    }
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers },
      fetch: (url, init) => deps.fetch(url, init),
    });
    const client = new Client({ name: `pilox-agent-${agent.slug}`, version: '1' });
    try {
      await client.connect(transport, { timeout: TOOL_TIMEOUT_MS });
    } catch (err) {
      throw new AppError(502, 'TOOL_SERVER_UNAVAILABLE', `MCP server ${server.name} could not be reached: ${err instanceof Error ? err.message.slice(0, 300) : 'error'}`);
    }
    return client;
  }

  async function list(agent: AgentHostIdentity): Promise<ChatTool[]> {
    const out: ChatTool[] = [];
    for (const server of agent.managed?.tools ?? []) {
      const key = `${agent.id}:${server.name}:${server.url}`;
      const hit = listCache.get(key);
      if (hit && Date.now() - hit.at < LIST_TTL_MS) {
        out.push(...hit.tools);
        continue;
      }
      const client = await connect(agent, server);
      try {
        const { tools } = await client.listTools(undefined, { timeout: TOOL_TIMEOUT_MS });
        const mapped: ChatTool[] = tools.slice(0, 128).map((t) => ({
          type: 'function',
          function: {
            name: `${server.name}${TOOL_SEPARATOR}${t.name}`.slice(0, 64),
            ...(t.description ? { description: t.description.slice(0, 4000) } : {}),
            parameters: t.inputSchema as Record<string, unknown>,
          },
        }));
        listCache.set(key, { at: Date.now(), tools: mapped });
        out.push(...mapped);
      } finally {
        await client.close().catch(() => {});
      }
    }
    return out;
  }

  async function call(agent: AgentHostIdentity, body: unknown): Promise<{ content: string; isError: boolean }> {
    const parsed = callSchema.safeParse(body);
    if (!parsed.success) throw new ValidationError(`body: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const { name, arguments: args } = parsed.data;
    const sep = name.indexOf(TOOL_SEPARATOR);
    const server = sep > 0 ? agent.managed?.tools.find((s) => s.name === name.slice(0, sep)) : undefined;
    if (!server) throw new NotFoundError(`No tool ${name} is configured for this agent`, 'TOOL_NOT_FOUND');
    const client = await connect(agent, server);
    try {
      const result = await client.callTool({ name: name.slice(sep + TOOL_SEPARATOR.length), arguments: args }, undefined, { timeout: TOOL_TIMEOUT_MS });
      const parts = (result.content as { type: string; text?: string }[] | undefined) ?? [];
      const content = parts.map((p) => (p.type === 'text' ? (p.text ?? '') : `[${p.type}]`)).join('\n');
      return { content: content.slice(0, 100_000), isError: result.isError === true };
    } catch (err) {
      return { content: `tool failed: ${err instanceof Error ? err.message.slice(0, 500) : 'error'}`, isError: true };
    } finally {
      await client.close().catch(() => {});
    }
  }

  return {
    handle(agent: AgentHostIdentity, req: IncomingMessage, res: ServerResponse, path: string): boolean {
      let work: Promise<unknown>;
      if (!path.startsWith('/v1/tools')) return false;
      if (!agent.managed) work = Promise.reject(new ForbiddenError('Only managed agents have tools', 'LLM_NOT_MANAGED'));
      else if (path === '/v1/tools' && req.method === 'GET') work = list(agent).then((tools) => sendJson(res, 200, { tools }));
      else if (path === '/v1/tools/call' && req.method === 'POST') work = readJsonBody(req, 4 * 1_048_576).then((b) => call(agent, b)).then((r) => sendJson(res, 200, r));
      else work = Promise.reject(new BadRequestError('Unknown tools route', 'NOT_FOUND'));
      work.catch((err) => {
        if (!(err instanceof AppError)) deps.logger.error({ err, agentId: agent.id }, 'tools proxy failed');
        sendError(res, err);
      });
      return true;
    },
  };
}
