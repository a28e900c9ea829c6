// Push-notification delivery (A2A §4.3): every task event a webhook should see becomes a
// durable job; the worker POSTs it through the egress guard with the config's credentials,
// retries transient failures with backoff, and records every attempt in the delivery log.
import { createHash } from 'node:crypto';
import { V1PushNotificationSerializer, type PushNotificationSender } from '@a2a-js/sdk/server';
import { V03PushNotificationSerializer } from '@a2a-js/sdk/compat/v0_3/server';
import { desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../../lib/db/database.js';
import { EgressBlockedError } from '../../../lib/egress/index.js';
import { PermanentJobError, type JobContext, type JobQueue } from '../../../lib/jobs/job-queue.js';
import type { Kv } from '../../../lib/kv/kv.js';
import type { Logger } from '../../../lib/logger.js';
import type { EgressFetch } from '../a2a.ports.js';
import { a2aPushDeliveries } from '../a2a.tables.js';
import { pushFlagKey, type PiloxPushStore } from './push-config-store.js';

export const PUSH_QUEUE = 'a2a.push';
export const PUSH_MAX_ATTEMPTS = 6;
const PUSH_TIMEOUT_MS = 10_000;

export interface PushJob {
  taskId: string;
  configId: string;
  kind: string;
  body: string;
  contentType: string;
}

export function createPushSender(deps: { store: PiloxPushStore; kv: Kv; jobs: Pick<JobQueue, 'enqueue'>; logger: Logger }): PushNotificationSender {
  const v1 = new V1PushNotificationSerializer();
  const v03 = new V03PushNotificationSerializer();
  return {
    async send(streamResponse, _context, task) {
      const p = streamResponse.payload;
      if (!p) return;
      const taskId = p.$case === 'task' ? p.value.id : p.$case === 'message' ? p.value.taskId : p.value.taskId;
      if (!taskId || !(await deps.kv.exists(pushFlagKey(taskId)))) return;
      for (const { config, wireVersion } of await deps.store.loadForDelivery(taskId)) {
        try {
          const { body, contentType } = (wireVersion === '0.3' ? v03 : v1).serialize(streamResponse, task);
          // The SDK may hand the same event over twice (every request draining the task's bus
          // pushes what it sees); one delivery per distinct body and webhook.
          const dedupeKey = `${taskId}:${config.id}:${createHash('sha256').update(body).digest('base64url')}`;
          await deps.jobs.enqueue<PushJob>(
            PUSH_QUEUE,
            { taskId, configId: config.id, kind: p.$case, body, contentType },
            { maxAttempts: PUSH_MAX_ATTEMPTS, dedupeKey },
          );
        } catch (err) {
          deps.logger.warn({ err, taskId }, 'a2a: could not queue a push notification');
        }
      }
    },
  };
}

/** Origin and path: the log must not keep secrets a query string may carry. */
function targetOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`.slice(0, 2048);
  } catch {
    return '(invalid url)';
  }
}

const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

export function createPushDeliveryHandler(deps: { db: Db; store: PiloxPushStore; egressFetch?: EgressFetch; logger: Logger }) {
  async function record(job: JobContext<PushJob>, target: string, outcome: 'delivered' | 'retrying' | 'failed', started: number, httpStatus?: number, error?: string) {
    await deps.db.insert(a2aPushDeliveries).values({
      taskId: job.payload.taskId,
      configId: job.payload.configId,
      target,
      eventKind: job.payload.kind,
      attempt: job.attempt,
      outcome,
      httpStatus: httpStatus ?? null,
      error: error?.slice(0, 1000) ?? null,
      durationMs: Math.round(performance.now() - started),
    });
  }

  return async function deliver(job: JobContext<PushJob>): Promise<void> {
    const started = performance.now();
    const config = await deps.store.findForDelivery(job.payload.taskId, job.payload.configId);
    if (!config) return; // deleted since: nothing to deliver
    const target = targetOf(config.url);
    const last = job.attempt >= job.maxAttempts;
    if (!deps.egressFetch) {
      await record(job, target, 'failed', started, undefined, 'no egress guard is configured for outbound webhooks');
      throw new PermanentJobError('no egress guard configured');
    }
    const headers: Record<string, string> = { 'content-type': job.payload.contentType };
    if (config.authentication?.scheme) headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials}`.trim();
    if (config.token) headers['x-a2a-notification-token'] = config.token;
    let status: number;
    try {
      const res = await deps.egressFetch(config.url, {
        method: 'POST',
        headers,
        body: job.payload.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A blocked address stays blocked: retrying would only repeat the refusal.
      if (err instanceof EgressBlockedError) {
        await record(job, target, 'failed', started, undefined, message);
        throw new PermanentJobError(message);
      }
      await record(job, target, last ? 'failed' : 'retrying', started, undefined, message);
      throw err;
    }
    if (status >= 200 && status < 300) {
      await record(job, target, 'delivered', started, status);
      return;
    }
    if (!retryable(status)) {
      await record(job, target, 'failed', started, status, `webhook answered ${status}`);
      throw new PermanentJobError(`webhook answered ${status}`);
    }
    await record(job, target, last ? 'failed' : 'retrying', started, status, `webhook answered ${status}`);
    throw new Error(`webhook answered ${status}`);
  };
}

export interface PushDelivery {
  id: string;
  taskId: string;
  configId: string;
  target: string;
  eventKind: string;
  attempt: number;
  outcome: 'delivered' | 'retrying' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  createdAt: string;
}

export async function listDeliveries(db: Db, opts: { taskId?: string; limit: number }): Promise<PushDelivery[]> {
  const q = db.select().from(a2aPushDeliveries);
  const rows = await (opts.taskId ? q.where(eq(a2aPushDeliveries.taskId, opts.taskId)) : q)
    .orderBy(desc(a2aPushDeliveries.createdAt))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

export async function purgeDeliveries(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(a2aPushDeliveries).where(lt(a2aPushDeliveries.createdAt, before)).returning({ id: a2aPushDeliveries.id });
  return rows.length;
}
