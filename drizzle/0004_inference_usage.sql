CREATE TABLE "inference_usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"provider_id" uuid,
	"provider_type" text NOT NULL,
	"model" text NOT NULL,
	"tokens_in" integer DEFAULT 0 NOT NULL,
	"tokens_out" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"streamed" boolean DEFAULT false NOT NULL,
	"billing_status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "inference_usage_owner_created_idx" ON "inference_usage" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "inference_usage_agent_created_idx" ON "inference_usage" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "inference_usage_unbilled_idx" ON "inference_usage" USING btree ("created_at") WHERE billing_status is null;