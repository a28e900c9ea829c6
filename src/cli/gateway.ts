// `pilox gateway`: runs the public JSON-RPC gateway (src/gateway) as its own process.
import { loadConfig } from '../config.js';
import { buildGateway } from '../gateway/gateway.js';
import { createUpstream } from '../gateway/upstream.js';
import { openKv } from '../lib/kv/index.js';
import { CliError } from './errors.js';

/** Time for a client to send its whole request: long enough for 1 MiB on a slow link, short for slowloris. */
const REQUEST_TIMEOUT_MS = 30_000;

export async function gatewayCommand(): Promise<void> {
  const config = loadConfig();
  if (!config.GATEWAY_UPSTREAM_URL) throw new CliError('GATEWAY_UPSTREAM_URL: required (the Pilox app the gateway forwards to)');
  let kv;
  try {
    kv = await openKv({ url: config.GATEWAY_RATE_LIMIT_REDIS_URL, prefix: config.REDIS_KEY_PREFIX });
  } catch (err) {
    throw new CliError(`GATEWAY_RATE_LIMIT_REDIS_URL: cannot connect (${err instanceof Error ? err.message : String(err)})`);
  }
  const upstream = createUpstream({ baseUrl: config.GATEWAY_UPSTREAM_URL, timeoutMs: config.A2A_UPSTREAM_TIMEOUT_MS });
  const { app } = buildGateway({
    settings: {
      rateLimit: { max: config.GATEWAY_RATE_LIMIT_MAX, windowMs: config.GATEWAY_RATE_LIMIT_WINDOW_MS },
      maxBodyBytes: config.A2A_JSONRPC_MAX_BODY_BYTES,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      inboundSecret: config.MESH_GATEWAY_INBOUND_SECRET,
      // `auto` trusts client-supplied headers: at the edge, use the TCP peer instead.
      clientIpSource: config.HIVE_CLIENT_IP_SOURCE === 'auto' ? 'socket' : config.HIVE_CLIENT_IP_SOURCE,
    },
    kv,
    upstream,
  });
  // Signal handlers first: a supervisor may stop us the moment we report ready.
  const shutdown = () => {
    void (async () => {
      await app.close();
      await upstream.close();
      await kv.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  const address = await app.listen({ port: config.GATEWAY_PORT, host: config.HOST });
  process.stdout.write(`pilox gateway listening on ${address} → ${config.GATEWAY_UPSTREAM_URL} (rate limits: ${kv.kind})\n`);
  if (kv.kind === 'memory') process.stdout.write('  per-IP limits are per process: set GATEWAY_RATE_LIMIT_REDIS_URL to share them between replicas\n');
}
