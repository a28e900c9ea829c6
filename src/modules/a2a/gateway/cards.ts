// Agent cards Pilox serves (A2A §8): one per agent, listing the agent's own skills with
// Pilox's URLs and security schemes, and one for the platform, whose skills are the agents the
// caller may see. Built as A2A 1.0 JSON; the 0.3 form is derived for clients that ask for it
// (or send no A2A-Version), with the 1.0 interfaces embedded so newer clients do not downgrade.
import { AgentCard } from '@a2a-js/sdk';
import type { DirectoryAgent, DirectoryAgentSkill } from '../a2a.ports.js';

export type WireVersion = '1.0' | '0.3';

interface SkillJson {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples?: string[];
}

export interface CardJson {
  name: string;
  description: string;
  version: string;
  supportedInterfaces: { url: string; protocolBinding: string; tenant?: string; protocolVersion: string }[];
  provider: { organization: string; url: string };
  documentationUrl?: string;
  capabilities: { streaming: boolean; pushNotifications: boolean; extendedAgentCard: boolean };
  securitySchemes: Record<string, unknown>;
  securityRequirements: { schemes: Record<string, { list: string[] }> }[];
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: SkillJson[];
}

const BEARER = {
  bearer: {
    httpAuthSecurityScheme: {
      scheme: 'Bearer',
      description: 'A Pilox API token (or HIVE_INTERNAL_TOKEN for machine-to-machine calls)',
    },
  },
};

function interfaces(url: string) {
  return [
    { url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
  ];
}

function requirements(anonymousAllowed: boolean) {
  const req: CardJson['securityRequirements'] = [{ schemes: { bearer: { list: [] } } }];
  // An empty requirement is the "no credentials" alternative (public agents, when enabled).
  if (anonymousAllowed) req.push({ schemes: {} });
  return req;
}

function skill(s: DirectoryAgentSkill): SkillJson {
  return {
    id: s.id.slice(0, 256),
    name: s.name.slice(0, 256),
    description: (s.description ?? '').slice(0, 4096),
    tags: (s.tags ?? []).slice(0, 32),
    examples: (s.examples ?? []).slice(0, 16),
  };
}

export interface AgentCardInput {
  agent: DirectoryAgent;
  origin: string;
  /** The agent's own card, when it could be read: its skills and modes are reused. */
  upstream?: AgentCard;
  anonymousAllowed: boolean;
}

export function agentCardJson({ agent, origin, upstream, anonymousAllowed }: AgentCardInput): CardJson {
  const skills = agent.skills
    ? agent.skills.map(skill)
    : (upstream?.skills ?? []).map((s) => skill({ id: s.id, name: s.name, description: s.description, tags: s.tags, examples: s.examples }));
  return {
    name: agent.name,
    description: agent.description || `${agent.name}, served by Pilox`,
    version: upstream?.version || '1.0.0',
    supportedInterfaces: interfaces(`${origin}/a2a/agents/${encodeURIComponent(agent.slug)}`),
    provider: { organization: 'Pilox', url: origin },
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true },
    securitySchemes: BEARER,
    securityRequirements: requirements(anonymousAllowed && agent.visibility === 'public'),
    defaultInputModes: upstream?.defaultInputModes?.length ? upstream.defaultInputModes : ['text/plain'],
    defaultOutputModes: upstream?.defaultOutputModes?.length ? upstream.defaultOutputModes : ['text/plain'],
    skills,
  };
}

export function platformCardJson(origin: string, agents: DirectoryAgent[], anonymousAllowed: boolean): CardJson {
  return {
    name: 'Pilox',
    description:
      'Pilox agent platform. Each skill is an agent: name it with params.tenant (A2A 1.0) or ' +
      'message metadata "pilox.agent" (0.3), or call the agent at /a2a/agents/<skill id>.',
    version: '1.0.0',
    supportedInterfaces: interfaces(`${origin}/api/a2a/jsonrpc`),
    provider: { organization: 'Pilox', url: origin },
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true },
    securitySchemes: BEARER,
    securityRequirements: requirements(anonymousAllowed),
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: agents.slice(0, 1000).map((a) => ({
      id: a.slug,
      name: a.name,
      description: a.description || a.name,
      tags: ['agent', a.visibility],
    })),
  };
}

/** The SDK's in-memory card (what DefaultRequestHandler works with). */
export function toSdkCard(json: CardJson): AgentCard {
  return AgentCard.fromJSON(json);
}

/** A2A 0.3 card shape (spec 0.3 §5.5) with the 1.0 interfaces embedded (a "hybrid" card). */
export function legacyCardJson(json: CardJson): Record<string, unknown> {
  const legacyInterface = json.supportedInterfaces.find((i) => i.protocolVersion === '0.3') ?? json.supportedInterfaces[0]!;
  return {
    protocolVersion: '0.3',
    name: json.name,
    description: json.description,
    url: legacyInterface.url,
    preferredTransport: 'JSONRPC',
    version: json.version,
    provider: json.provider,
    capabilities: { streaming: json.capabilities.streaming, pushNotifications: json.capabilities.pushNotifications },
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: (BEARER.bearer.httpAuthSecurityScheme.description) },
    },
    security: json.securityRequirements.map((r) => Object.fromEntries(Object.keys(r.schemes).map((k) => [k, []]))),
    defaultInputModes: json.defaultInputModes,
    defaultOutputModes: json.defaultOutputModes,
    skills: json.skills.map((s) => ({ ...s, examples: s.examples ?? [] })),
    supportsAuthenticatedExtendedCard: json.capabilities.extendedAgentCard,
    supportedInterfaces: json.supportedInterfaces,
  };
}

export function wireCard(json: CardJson, version: WireVersion): unknown {
  return version === '1.0' ? AgentCard.toJSON(toSdkCard(json)) : legacyCardJson(json);
}

/** Card requests: 0.3 when no version is named (A2A §3.6.2) or a 0.x one is, 1.0 otherwise. */
export function cardVersion(header: string | undefined): WireVersion {
  return !header || header.trim() === '' || /^\s*0\./.test(header) ? '0.3' : '1.0';
}
