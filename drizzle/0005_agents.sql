CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"owner_id" text NOT NULL,
	"kind" text NOT NULL,
	"visibility" text DEFAULT 'private' NOT NULL,
	"runtime" text,
	"limits" jsonb NOT NULL,
	"env" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_refs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"restart_policy" text DEFAULT 'on-failure' NOT NULL,
	"managed" jsonb,
	"image" text,
	"package_sha256" text,
	"package_bytes" integer,
	"package_entry" text,
	"card_url" text,
	"remote_url" text,
	"status" text DEFAULT 'created' NOT NULL,
	"desired_state" text DEFAULT 'stopped' NOT NULL,
	"last_exit_code" integer,
	"last_exit_reason" text,
	"restart_count" integer DEFAULT 0 NOT NULL,
	"instance" jsonb,
	"instance_host" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "agents_slug_uq" ON "agents" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "agents_owner_idx" ON "agents" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "agents_desired_idx" ON "agents" USING btree ("desired_state");