// The configuration of a "managed" agent: the agents module stores it, the runtime hands it to
// the built-in runner (src/runner), the LLM gateway enforces its model, limits and budget, and
// the dashboard edits it. One schema so the four never disagree.
import { z } from 'zod';

export const agentSkillSchema = z.object({
  id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/),
  name: z.string().min(1).max(120),
  description: z.string().max(2000).optional(),
  tags: z.array(z.string().min(1).max(40)).max(16).optional(),
  examples: z.array(z.string().min(1).max(500)).max(16).optional(),
});

/** An MCP server (streamable HTTP) Pilox calls on the agent's behalf, through the egress guard. */
export const managedToolServerSchema = z.object({
  name: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/),
  url: z.string().url().max(2048),
  /** Names of the agent's secrets sent as headers (`{ header: secretName }`); values never reach the sandbox. */
  headerSecrets: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).optional(),
});

export const managedLimitsSchema = z.object({
  requestsPerMinute: z.number().int().min(1).max(100_000).optional(),
  tokensPerMinute: z.number().int().min(1).max(100_000_000).optional(),
  maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
});

/** Caps over calendar days/months (UTC). Costs are in micro-units of the provider price currency. */
export const managedBudgetSchema = z.object({
  dailyTokens: z.number().int().min(1).optional(),
  monthlyTokens: z.number().int().min(1).optional(),
  dailyCostMicros: z.number().int().min(1).optional(),
  monthlyCostMicros: z.number().int().min(1).optional(),
});

export const managedConfigSchema = z.object({
  /** An llm provider id; absent means the instance's default provider. */
  providerId: z.string().uuid().optional(),
  model: z.string().min(1).max(200),
  systemPrompt: z.string().max(32_000).default(''),
  temperature: z.number().min(0).max(2).optional(),
  /** Tool-calling rounds per message before the runner gives up. */
  maxSteps: z.number().int().min(1).max(20).default(5),
  tools: z.array(managedToolServerSchema).max(16).default([]),
  skills: z.array(agentSkillSchema).max(32).default([]),
  limits: managedLimitsSchema.default({}),
  budget: managedBudgetSchema.default({}),
});

export type AgentSkill = z.infer<typeof agentSkillSchema>;
export type ManagedToolServer = z.infer<typeof managedToolServerSchema>;
export type ManagedConfig = z.infer<typeof managedConfigSchema>;
