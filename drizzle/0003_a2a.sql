CREATE TABLE "a2a_push_configs" (
	"task_id" text NOT NULL,
	"config_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"config" jsonb NOT NULL,
	"wire_version" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "a2a_push_configs_task_id_config_id_pk" PRIMARY KEY("task_id","config_id")
);
--> statement-breakpoint
CREATE TABLE "a2a_push_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" text NOT NULL,
	"config_id" text NOT NULL,
	"target" text NOT NULL,
	"event_kind" text NOT NULL,
	"attempt" integer NOT NULL,
	"outcome" text NOT NULL,
	"http_status" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "a2a_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"context_id" text NOT NULL,
	"state" integer NOT NULL,
	"status_at" timestamp (3) with time zone NOT NULL,
	"task" jsonb NOT NULL,
	"upstream_task_id" text,
	"upstream_context_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "a2a_push_deliveries_task_idx" ON "a2a_push_deliveries" USING btree ("task_id","created_at");--> statement-breakpoint
CREATE INDEX "a2a_push_deliveries_created_idx" ON "a2a_push_deliveries" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "a2a_tasks_list_idx" ON "a2a_tasks" USING btree ("agent_id","owner_id","status_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "a2a_tasks_context_idx" ON "a2a_tasks" USING btree ("agent_id","context_id");--> statement-breakpoint
CREATE INDEX "a2a_tasks_updated_idx" ON "a2a_tasks" USING btree ("updated_at");