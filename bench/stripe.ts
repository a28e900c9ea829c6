// Signed, distinct payment_intent.succeeded events POSTed to /api/webhooks/stripe of a Pilox
// process on PostgreSQL (a fresh database, dropped after): each is verified, hinted in Kv and
// applied in one transaction (ledger row + locked wallet update + hash-chained audit row).
// Events are signed up front with the official library so signing does not load the client.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import Stripe from 'stripe';
import { deleteKeysWithPrefix } from '../src/lib/kv/redis-kv.js';
import { median, result, root, startProcess } from './lib.js';
import { join } from 'node:path';

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function signedEvents(n: number, users: string[]) {
  return Array.from({ length: n }, (_, i) => {
    const payload = JSON.stringify({
      id: `evt_bench_${randomBytes(10).toString('hex')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      api_version: '2025-01-27.acacia',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: {
        object: {
          id: `pi_bench_${randomBytes(10).toString('hex')}`,
          object: 'payment_intent',
          amount: 1000,
          amount_received: 1000,
          currency: 'usd',
          customer: null,
          invoice: null,
          metadata: { hive_user_id: users[i % users.length] },
          status: 'succeeded',
        },
      },
    });
    return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) };
  });
}

async function send(url: string, events: { payload: string; signature: string }[], connections: number): Promise<{ seconds: number; latencies: number[] }> {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections });
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < events.length) {
          const e = events[next++]!;
          const s = performance.now();
          const res = await pool.request({
            path: '/api/webhooks/stripe',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': e.signature },
            body: e.payload,
          });
          const text = await res.body.text();
          if (res.statusCode !== 200 || !text.includes('"credited"')) throw new Error(`HTTP ${res.statusCode}: ${text}`);
          latencies.push(performance.now() - s);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return { seconds: (performance.now() - t0) / 1000, latencies };
}

export async function run(): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const total = Number(process.env.BENCH_STRIPE_EVENTS ?? 5000);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const userCount = Number(process.env.BENCH_STRIPE_USERS ?? 100);
  const dbName = `pilox_bench_stripe_${process.pid}`;
  const redisPrefix = `pilox:bench:stripe:${process.pid}:`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${dbName}"`);
  const dbUrl = withDatabase(adminUrl, dbName);
  let server: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    server = await startProcess([...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), '--import', 'tsx', join(root, 'bench/stripe-server.ts')], {
      PORT: '0',
      DATABASE_URL: dbUrl,
      STRIPE_WEBHOOK_SECRET: SECRET,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {}),
    });
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    const users = Array.from({ length: userCount }, () => randomUUID());
    for (const id of users) {
      await db.query(`insert into users (id, email, name, password_hash) values ($1, $2, 'bench', 'x')`, [id, `${id}@bench.test`]);
    }
    await send(server.url, signedEvents(Math.min(500, total), users), connections); // warm-up
    const events = signedEvents(total, users);
    const { seconds, latencies } = await send(server.url, events, connections);
    const check = await db.query(`select count(*)::int as n, sum(balance_minor)::bigint as s from user_wallet_balances`);
    const ledger = await db.query(`select count(*)::int as n from billing_ledger_entries`);
    await db.end();
    const expected = Math.min(500, total) + total;
    if (ledger.rows[0].n !== expected || Number(check.rows[0].s) !== expected * 1000) {
      throw new Error(`ledger has ${ledger.rows[0].n} rows and balances sum to ${check.rows[0].s}; expected ${expected} and ${expected * 1000}`);
    }
    process.stdout.write(
      `stripe: ${total} distinct signed payment_intent.succeeded events over ${userCount} users, ${connections} concurrent connections, ` +
        `PostgreSQL, Kv ${process.env.REDIS_URL ? 'redis' : 'memory'}; every event credited exactly once (checked)\n`,
    );
    result('stripe', { events_per_s: Math.round(total / seconds), p50_ms: median(latencies).toFixed(1) });
  } finally {
    await server?.stop();
    await admin.query(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
    if (process.env.REDIS_URL) await deleteKeysWithPrefix(process.env.REDIS_URL, redisPrefix);
  }
}
