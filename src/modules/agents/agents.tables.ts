import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ManagedConfig } from './managed-config.js';
import type { InstanceRef, RuntimeLimits } from '../../runtime/runtime.js';

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** principalId() of the creator. */
    ownerId: text('owner_id').notNull(),
    kind: text('kind', { enum: ['managed', 'package', 'image', 'remote'] }).notNull(),
    visibility: text('visibility', { enum: ['private', 'instance', 'public'] }).notNull().default('private'),
    /** Null: the instance default (PILOX_RUNTIME_DEFAULT, else sandbox when available). */
    runtime: text('runtime', { enum: ['sandbox', 'process', 'docker'] }),
    limits: jsonb('limits').$type<RuntimeLimits>().notNull(),
    env: jsonb('env').$type<Record<string, string>>().notNull().default({}),
    /** Names of the owner's secrets exposed as env vars at start; values never stored here. */
    secretRefs: jsonb('secret_refs').$type<string[]>().notNull().default([]),
    restartPolicy: text('restart_policy', { enum: ['never', 'on-failure', 'always'] }).notNull().default('on-failure'),
    managed: jsonb('managed').$type<ManagedConfig>(),
    image: text('image'),
    /** Package agents: the uploaded tar.gz (sha256 of the bytes as uploaded) and its entry file. */
    packageSha256: text('package_sha256'),
    packageBytes: integer('package_bytes'),
    packageEntry: text('package_entry'),
    /** Remote agents: the card URL they were imported from and the JSON-RPC URL it declares. */
    cardUrl: text('card_url'),
    remoteUrl: text('remote_url'),
    status: text('status', { enum: ['created', 'starting', 'ready', 'stopped', 'paused', 'error'] }).notNull().default('created'),
    /** What the operator asked for; the supervisor converges status towards it. */
    desiredState: text('desired_state', { enum: ['running', 'stopped', 'paused'] }).notNull().default('stopped'),
    lastExitCode: integer('last_exit_code'),
    lastExitReason: text('last_exit_reason'),
    restartCount: integer('restart_count').notNull().default(0),
    /** The running instance (driver ref), kept so a restarted Pilox finds what it started. */
    instance: jsonb('instance').$type<InstanceRef>(),
    /** Which Pilox process started the instance (`host/pid/startMs`): a dead one's agents are restarted. */
    instanceHost: text('instance_host'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('agents_slug_uq').on(t.slug), index('agents_owner_idx').on(t.ownerId), index('agents_desired_idx').on(t.desiredState)],
);

export type AgentRow = typeof agents.$inferSelect;
