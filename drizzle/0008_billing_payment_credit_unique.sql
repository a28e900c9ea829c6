CREATE TABLE "billing_payment_credits" (
	"payment_intent_id" text PRIMARY KEY NOT NULL,
	"stripe_event_id" text NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Hand-written backfill: payments credited before this table existed claim their PaymentIntent,
-- so a late event for the same payment cannot credit it again (earliest credit wins).
INSERT INTO "billing_payment_credits" ("payment_intent_id", "stripe_event_id", "user_id", "created_at")
SELECT DISTINCT ON ("payment_intent_id") "payment_intent_id", "stripe_event_id", "user_id", "created_at"
FROM "billing_ledger_entries"
WHERE "direction" = 'credit' AND "payment_intent_id" IS NOT NULL
ORDER BY "payment_intent_id", "seq"
ON CONFLICT DO NOTHING;
