CREATE TABLE "billing_ledger_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"direction" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"balance_after_minor" bigint NOT NULL,
	"stripe_event_id" text NOT NULL,
	"stripe_event_type" text,
	"payment_intent_id" text,
	"description" text DEFAULT '' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_ledger_entries_amount_non_negative" CHECK ("billing_ledger_entries"."amount_minor" >= 0)
);
--> statement-breakpoint
CREATE TABLE "billing_unresolved_events" (
	"stripe_event_id" text PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"reason" text NOT NULL,
	"direction" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"customer_id" text,
	"payment_intent_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"assigned_user_id" uuid,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_wallet_balances" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"balance_minor" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"monthly_spend_limit_minor" bigint,
	"hard_stop" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_wallet_balances_non_negative" CHECK ("user_wallet_balances"."balance_minor" >= 0)
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "stripe_customer_id" text;--> statement-breakpoint
ALTER TABLE "user_wallet_balances" ADD CONSTRAINT "user_wallet_balances_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "billing_ledger_entries_stripe_event_id_uq" ON "billing_ledger_entries" USING btree ("stripe_event_id");--> statement-breakpoint
CREATE INDEX "billing_ledger_user_created_idx" ON "billing_ledger_entries" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "billing_ledger_payment_intent_idx" ON "billing_ledger_entries" USING btree ("payment_intent_id") WHERE payment_intent_id is not null;--> statement-breakpoint
CREATE INDEX "billing_unresolved_status_created_idx" ON "billing_unresolved_events" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_stripe_customer_id_uq" ON "users" USING btree ("stripe_customer_id") WHERE stripe_customer_id is not null;