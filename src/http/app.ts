// buildApp(container): the HTTP adapter. Routes are thin (rule 1); this file only wires
// plugins and module route sets.
import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Container } from '../container.js';
import { enforceAccessDeclarations, type RouteAccess } from './access.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerWeb } from './plugins/web.js';
import { internalTokenAuthenticator, registerAccessControl } from './plugins/access-control.js';
import { instrumentHttp } from './plugins/metrics.js';
import { systemRoutes } from '../modules/system/system.routes.js';
import { registerClientIp } from './plugins/client-ip.js';
import { registerApiRateLimit } from './plugins/rate-limit.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerCsrfProtection } from './plugins/csrf.js';
import { publicOrigin } from '../config.js';
import { setupRoutes } from '../modules/auth/setup.routes.js';
import { authRoutes } from '../modules/auth/auth.routes.js';
import { mfaRoutes } from '../modules/auth/mfa.routes.js';
import { usersRoutes } from '../modules/users/users.routes.js';
import { tokensRoutes } from '../modules/tokens/tokens.routes.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { secretsRoutes } from '../modules/secrets/secrets.routes.js';
import { agentsRoutes } from '../modules/agents/agents.routes.js';
import { settingsRoutes } from '../modules/settings/settings.routes.js';
import { a2aRoutes } from '../modules/a2a/a2a.routes.js';
import { meshRoutes } from '../modules/mesh/mesh.routes.js';
import { registerGatewayCheck } from '../modules/mesh/gateway-check.js';
import { providersRoutes } from '../modules/llm/providers.routes.js';
import { usageRoutes } from '../modules/llm/usage.routes.js';
import { chatRoutes } from '../modules/chat/chat.routes.js';
import { billingRoutes } from '../modules/billing/billing.routes.js';
import { billingAdminRoutes } from '../modules/billing/billing-admin.routes.js';
import { stripeWebhookRoutes } from '../modules/billing/stripe-webhook.routes.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Fastify builds a child logger per request, which costs ~8% of a trivial request's time.
 * Most requests never log, so the child is made on first use. Methods live on the prototype
 * to keep the per-request allocation to one small object.
 */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
  ) {}
  #get(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings));
  }
  #log(level: Level, args: unknown[]) {
    (this.#get()[level] as (...a: unknown[]) => void)(...args);
  }
  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }
  set level(l: string) {
    this.#get().level = l;
  }
  child(b: Record<string, unknown>, o?: object) {
    return this.#get().child(b, o);
  }
  fatal(...a: unknown[]) { this.#log('fatal', a); }
  error(...a: unknown[]) { this.#log('error', a); }
  warn(...a: unknown[]) { this.#log('warn', a); }
  info(...a: unknown[]) { this.#log('info', a); }
  debug(...a: unknown[]) { this.#log('debug', a); }
  trace(...a: unknown[]) { this.#log('trace', a); }
  silent(...a: unknown[]) { this.#log('silent', a); }
}

// Request ids: a random per-process prefix and a counter. As unique as a UUID across
// replicas for practical purposes, and ~10% cheaper per request than randomUUID().
const idPrefix = randomBytes(4).toString('hex');
let idSeq = 0;
const nextRequestId = () => `${idPrefix}-${(++idSeq).toString(36)}`;

export type App = FastifyInstance & { routeAccess: RouteAccess[] };

export async function buildApp(c: Container): Promise<App> {
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    // Access logs belong to the reverse proxy; we log failures (error handler) and keep the hot path lean.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: c.config.HTTP_BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    // Most requests never log; build each request's child logger only when it is used.
    childLoggerFactory: (logger, bindings) => new LazyRequestLogger(logger, bindings) as unknown as FastifyBaseLogger,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 256 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routeAccess: RouteAccess[] = [];
  enforceAccessDeclarations(app, routeAccess);
  registerErrorHandling(app, await registerWeb(app));
  registerClientIp(app, c.config.HIVE_CLIENT_IP_SOURCE);
  registerSecurityHeaders(app, { origin: publicOrigin(c.config) });
  registerGatewayCheck(app, c.config.MESH_GATEWAY_INBOUND_SECRET);
  registerAccessControl(app, [...c.authenticators, internalTokenAuthenticator(c.config.HIVE_INTERNAL_TOKEN)]);
  registerCsrfProtection(app, { origin: publicOrigin(c.config) });
  registerApiRateLimit(app, { kv: c.kv, max: c.config.API_RATE_LIMIT_MAX, windowMs: c.config.API_RATE_LIMIT_WINDOW_MS });

  // During shutdown, responses to in-flight requests close their connection so keep-alive
  // clients do not hold server.close() open after their last answer.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // One synchronous hook for both concerns: hooks are on every request's path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  if (c.config.METRICS_ENABLED || c.config.METRICS_PORT !== undefined) instrumentHttp(app, c.metrics);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Pilox API', version: '1', description: 'Control plane for AI agents' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token or HIVE_INTERNAL_TOKEN' },
          session: { type: 'apiKey', in: 'cookie', name: 'pilox_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  await app.register(systemRoutes, { system: c.system });
  const authLimit = { max: c.config.AUTH_RATE_LIMIT_MAX, windowMs: c.config.AUTH_RATE_LIMIT_WINDOW_MS };
  const id = c.identity;
  await app.register(setupRoutes, { setup: id.setup, sessions: id.sessions, kv: c.kv, limit: authLimit });
  await app.register(authRoutes, {
    auth: id.auth,
    users: c.users,
    sessions: id.sessions,
    kv: c.kv,
    allowPublicRegistration: c.config.ALLOW_PUBLIC_REGISTRATION,
    limit: authLimit,
  });
  await app.register(mfaRoutes, { mfa: id.mfa, auth: id.auth, users: c.users, sessions: id.sessions, kv: c.kv, limit: authLimit });
  await app.register(usersRoutes, { users: c.users, actions: id.userAdminActions });
  await app.register(tokensRoutes, { tokens: c.tokens, kv: c.kv, limit: authLimit });
  await app.register(auditRoutes, { audit: c.audit });
  await app.register(secretsRoutes, { secrets: c.secrets });
  await app.register(settingsRoutes, { settings: c.settings });
  await app.register(a2aRoutes, { a2a: c.a2a });
  await app.register(meshRoutes, { mesh: c.mesh });
  await app.register(providersRoutes, { providers: c.llm.providers });
  await app.register(usageRoutes, { usage: c.usage });
  await app.register(chatRoutes, { chat: c.chat });
  await app.register(stripeWebhookRoutes, { webhooks: c.billing.webhooks });
  await app.register(billingRoutes, { billing: c.billing });
  await app.register(billingAdminRoutes, { billing: c.billing });
  await app.register(agentsRoutes, { agents: c.agents });

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  if (c.config.METRICS_ENABLED && c.config.METRICS_PORT === undefined) {
    app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
      reply.type(c.metrics.contentType).send(await c.metrics.metrics()),
    );
  }

  return Object.assign(app, { routeAccess }) as unknown as App;
}

/** The metrics endpoint on its own port, so it can stay on an internal network. */
export async function buildMetricsApp(c: Container): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => reply.type(c.metrics.contentType).send(await c.metrics.metrics()));
  return app;
}
