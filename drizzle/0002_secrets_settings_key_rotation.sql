CREATE TABLE "encryption_key_rotations" (
	"target_key_id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" text NOT NULL,
	"agent_id" uuid,
	"name" text NOT NULL,
	"description" text,
	"value_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"value_updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_ui_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"instance_name" text,
	"egress_host_allowlist" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"workflow_code_node_mode" text DEFAULT 'inherit' NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "instance_ui_settings_singleton" CHECK ("instance_ui_settings"."id" = 1),
	CONSTRAINT "instance_ui_settings_code_node_mode" CHECK ("instance_ui_settings"."workflow_code_node_mode" in ('inherit', 'off', 'allow'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_owner_name_uq" ON "secrets" USING btree ("owner_id","name") WHERE agent_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_owner_agent_name_uq" ON "secrets" USING btree ("owner_id","agent_id","name") WHERE agent_id is not null;--> statement-breakpoint
CREATE INDEX "secrets_agent_idx" ON "secrets" USING btree ("agent_id");