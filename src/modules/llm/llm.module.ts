// Builds the llm module from the container's parts: providers (admin API), the gateway and the
// agent host handler agents reach on their pilox.sock.
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import type { Db } from '../../lib/db/database.js';
import type { EgressGuard } from '../../lib/egress/index.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditPort } from '../../lib/audit-port.js';
import type { AgentHostHandler } from '../../runtime/agent-host.js';
import { createLlmGateway } from './gateway.js';
import { createAgentHostHandler } from './host-handler.js';
import type { SpendGuard } from './llm.ports.js';
import { createProviderClient } from './provider-client.js';
import { createProvidersRepo } from './providers.repo.js';
import { createProvidersService, type ProvidersService } from './providers.service.js';
import { createUsageRepo } from './usage.repo.js';
import { createUsageWriter } from './usage-writer.js';
import { createToolsProxy } from './tools.js';
import type { SecretsService } from '../secrets/secrets.service.js';

export interface LlmModule {
  providers: ProvidersService;
  /** Serves `/v1/chat/completions`, `/v1/models` (and tools) on each agent's pilox.sock. */
  agentHostHandler: AgentHostHandler;
  /** Writes the usage rows still buffered. */
  close(): Promise<void>;
}

export function createLlmModule(deps: { db: Db; kv: Kv; secretBox: SecretBox; egress: EgressGuard; audit: AuditPort; clock: Clock; logger: Logger; spendGuard: SpendGuard; secrets: Pick<SecretsService, 'resolveForAgent'> }): LlmModule {
  const client = createProviderClient((url, init) => deps.egress.fetch(url, init));
  const providers = createProvidersService({
    db: deps.db,
    repo: createProvidersRepo(deps.db),
    secretBox: deps.secretBox,
    client,
    checkUrl: (url) => deps.egress.checkUrl(url),
    audit: deps.audit,
    clock: deps.clock,
  });
  const usage = createUsageRepo(deps.db);
  const usageWriter = createUsageWriter({ repo: usage, logger: deps.logger });
  const gateway = createLlmGateway({
    providers,
    client,
    usage,
    usageWriter,
    kv: deps.kv,
    spendGuard: deps.spendGuard,
    clock: deps.clock,
    logger: deps.logger,
  });
  const tools = createToolsProxy({ fetch: (url, init) => deps.egress.fetch(url, init), secrets: deps.secrets, logger: deps.logger });
  return { providers, agentHostHandler: createAgentHostHandler([gateway, tools]), close: () => usageWriter.flush() };
}
