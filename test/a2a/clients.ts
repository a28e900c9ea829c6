// Official @a2a-js/sdk clients as a stock A2A client would use them, authenticated by a
// bearer token through their fetch hook.
import { Client, ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import { randomUUID } from 'node:crypto';

export function bearerFetch(authorization?: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (authorization) headers.set('authorization', authorization);
    return fetch(input, { ...init, headers });
  };
}

/** A2A 1.0: resolves the card at `baseUrl`/.well-known/agent-card.json and picks the 1.0 interface. */
export async function v1Client(baseUrl: string, authorization?: string): Promise<Client> {
  const fetchImpl = bearerFetch(authorization);
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  return factory.createFromUrl(baseUrl);
}

/** A2A 0.3: reads the card as a 0.3 client does (no A2A-Version) and talks 0.3 JSON-RPC to its url. */
export async function v03Client(baseUrl: string, authorization?: string): Promise<{ client: Client; rawCard: Record<string, unknown> }> {
  const fetchImpl = bearerFetch(authorization);
  const res = await fetchImpl(`${baseUrl}/.well-known/agent-card.json`);
  if (!res.ok) throw new Error(`card: HTTP ${res.status}`);
  const rawCard = (await res.json()) as Record<string, unknown>;
  const transport = new LegacyJsonRpcTransport({ endpoint: String(rawCard.url), fetchImpl });
  return { client: new Client(transport, parseLegacyAgentCard(rawCard)), rawCard };
}

export function userMessage(text: string, over: Record<string, unknown> = {}) {
  return Message.fromJSON({ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...over });
}

export const send = (message: Message, configuration?: { returnImmediately?: boolean; historyLength?: number }) => ({
  tenant: '',
  message,
  configuration: configuration
    ? { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: configuration.returnImmediately ?? false, historyLength: configuration.historyLength }
    : undefined,
  metadata: undefined,
});

export function textOf(task: Task): string {
  return task.artifacts
    .flatMap((a) => a.parts)
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('');
}

export async function collect(stream: AsyncIterable<StreamResponse>, limit = 100): Promise<StreamResponse[]> {
  const out: StreamResponse[] = [];
  for await (const ev of stream) {
    out.push(ev);
    if (out.length >= limit) break;
  }
  return out;
}

export const kinds = (events: StreamResponse[]) => events.map((e) => e.payload?.$case);
