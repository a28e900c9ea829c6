// Shapes of the API answers the dashboard reads (mirrors the routes' zod response schemas).

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Me {
  principal: { kind: 'user' | 'internal' | 'federation'; role: Role; via?: 'session' | 'token'; tokenId?: string };
  user: { id: string; email: string; name: string; role: Role } | null;
}

export interface SetupStatus {
  adminExists: boolean;
  setupTokenRequired: true;
  tokenSource: 'HIVE_SETUP_TOKEN' | 'startup_log';
}

export type LoginResult =
  | { mfaRequired: false; user: User; expiresAt: string }
  | { mfaRequired: true; challenge: string; expiresAt: string };

export interface MfaStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesRemaining: number;
}

export interface ApiToken {
  id: string;
  userId: string;
  ownerEmail?: string;
  name: string;
  prefix: string;
  role: Role;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface Secret {
  id: string;
  name: string;
  description: string | null;
  agentId: string | null;
  createdAt: string;
  updatedAt: string;
  valueUpdatedAt: string;
}

export type CodeNodeMode = 'inherit' | 'off' | 'allow';

export interface SecuritySettings {
  instanceName: string | null;
  egressHostAllowlist: string[];
  workflowCodeNodeMode: CodeNodeMode;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  effective: {
    envEgressHostAllowlist: string[];
    egressHostAllowlist: string[];
    workflowCodeNodes: { enabled: boolean; source: 'env' | 'setting' | 'default'; reason: string };
  };
}

export interface AuditEntry {
  id: number;
  createdAt: string;
  action: string;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  metadata: Record<string, unknown>;
  hash: string;
}

export interface SystemHealth {
  status: 'ok' | 'degraded' | 'down';
  services: Record<string, { ok: boolean; latencyMs?: number; error?: string; kind?: string; required: boolean }>;
}

export interface A2aStatus {
  enabled: boolean;
  protocolVersions: string[];
  bindings: string[];
  taskStore: 'redis' | 'postgres' | 'memory';
  taskTtlSeconds: number;
  jsonrpcMinRole: Role;
  maxBodyBytes: number;
  rateLimit: { max: number; windowMs: number };
  publicJsonRpc: { enabled: boolean; allowedMethods: string[]; rateLimit: { max: number; windowMs: number } };
  pushNotifications: { enabled: boolean; egressConfigured: boolean };
  remoteAgents: { egressConfigured: boolean };
  tasksRunningHere: number;
  endpoints: { platformCard: string; platformJsonRpc: string; agentCard: string; agentJsonRpc: string };
}

export type AgentStatus = 'created' | 'starting' | 'ready' | 'stopped' | 'paused' | 'error';
export type AgentKind = 'managed' | 'package' | 'image' | 'remote';
export type Visibility = 'private' | 'instance' | 'public';
export type RuntimeName = 'sandbox' | 'process' | 'docker';
export type RestartPolicy = 'never' | 'on-failure' | 'always';

export interface ManagedConfig {
  providerId?: string;
  model: string;
  systemPrompt?: string;
  temperature?: number;
  maxSteps?: number;
  tools?: { name: string; url: string; headerSecrets?: Record<string, string> }[];
  skills?: { id: string; name: string; description?: string }[];
}

export interface Agent {
  id: string;
  slug: string;
  name: string;
  description: string;
  ownerId: string;
  kind: AgentKind;
  visibility: Visibility;
  runtime: RuntimeName | null;
  limits: { memoryMb: number; cpuShares: number; pids: number };
  env: Record<string, string>;
  secretRefs: string[];
  restartPolicy: RestartPolicy;
  managed: ManagedConfig | null;
  image: string | null;
  package: { sha256: string; bytes: number; entry: string } | null;
  cardUrl: string | null;
  status: AgentStatus;
  desiredState: 'running' | 'stopped' | 'paused';
  lastExitCode: number | null;
  lastExitReason: string | null;
  restartCount: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

export interface AgentStats {
  status: AgentStatus;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  cpuSeconds: number | null;
  pids: number | null;
}

export type ProviderType = 'openai' | 'anthropic';
export interface ModelPrice {
  id: string;
  inputPerMillion: number;
  outputPerMillion: number;
}
export interface LlmProvider {
  id: string;
  name: string;
  type: ProviderType;
  baseUrl: string;
  hasApiKey: boolean;
  isDefault: boolean;
  models: ModelPrice[];
  createdAt: string;
  updatedAt: string;
}
export interface ProviderTest {
  ok: boolean;
  latencyMs: number;
  models?: number;
  error?: { code: string; message: string };
}

export interface UsageGroup {
  key: string;
  requests: number;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}
export interface UsageReport {
  from: string;
  to: string;
  groupBy: 'agent' | 'model' | 'day';
  items: UsageGroup[];
  totals: Omit<UsageGroup, 'key'>;
}

export interface Conversation {
  id: string;
  agentId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}
export interface ChatMessage {
  id: string;
  role: 'user' | 'agent';
  content: string;
  status: string | null;
  taskId: string | null;
  model: string | null;
  tokensIn: number | null;
  tokensOut: number | null;
  durationMs: number | null;
  createdAt: string;
}

export interface Wallet {
  balanceMinor: number;
  currency: string;
  updatedAt: string | null;
  billingUsageMinorPer1kTokens: number;
  stripe: { checkoutEnabled: boolean; customerPortalEnabled: boolean; subscriptionCheckoutEnabled: boolean };
}
export interface LedgerItem {
  id: string;
  kind: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  signedAmountMinor: number;
  currency: string;
  balanceAfterMinor: number;
  description: string;
  stripeEventId: string;
  stripeEventType: string | null;
  paymentIntentId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}
export interface BillingLimits {
  monthlySpendLimitMinor: number | null;
  hardStop: boolean;
  spentThisMonthMinor: number;
  periodStart: string;
}

export interface PeerProbe {
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  agents: number | null;
  error: string | null;
  checkedAt: string;
}
export interface FederationStatus {
  enabled: boolean;
  origin: string;
  audience: string;
  jwtAlg: 'HS256' | 'Ed25519';
  sharedSecretConfigured: boolean;
  requireAudience: boolean;
  requireJti: boolean;
  jwtTtlSeconds: number;
  clockSkewLeewaySeconds: number;
  allowLegacySecret: boolean;
  proxySendSecret: boolean;
  inboundAllowlistEntries: number;
  rateLimit: { max: number; windowMs: number };
  peers: { index: number; origin: string; agentCardUrl: string; ed25519Key: boolean; probe?: PeerProbe }[];
}
export interface FederationDirectory {
  enabled: boolean;
  peers: {
    index: number;
    origin: string;
    agentCardUrl: string;
    jsonRpcUrl: string;
    agents: { id: string; name: string; description?: string; tags?: string[]; localSlug: string }[];
    agentsFetchedAt: string | null;
  }[];
}
