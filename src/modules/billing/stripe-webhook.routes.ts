// POST /api/webhooks/stripe: its own plugin so its raw-body parser (the signature covers the
// exact bytes Stripe sent) applies to this route only. Authenticated by the Stripe-Signature
// header, not by a session: access 'custom'.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadRequestError } from '../../lib/errors.js';
import { STRIPE_WEBHOOK_MAX_BYTES, type StripeWebhookService } from './stripe-webhook.service.js';

const tooLarge = () => new BadRequestError(`Body exceeds ${STRIPE_WEBHOOK_MAX_BYTES} bytes`, 'STRIPE_PAYLOAD_TOO_LARGE');

export const stripeWebhookRoutes: FastifyPluginAsyncZod<{ webhooks: StripeWebhookService }> = async (app, { webhooks }) => {
  app.removeAllContentTypeParsers();
  // Reads the body as bytes, refusing past the cap with a 400 (spec: oversized → 400, nothing written).
  app.addContentTypeParser('*', (req, payload, done) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > STRIPE_WEBHOOK_MAX_BYTES) {
      payload.resume();
      done(tooLarge(), undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    payload.on('data', (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > STRIPE_WEBHOOK_MAX_BYTES) {
        finished = true;
        done(tooLarge(), undefined);
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => {
      if (finished) return;
      finished = true;
      done(null, Buffer.concat(chunks));
    });
    payload.on('error', (err) => {
      if (finished) return;
      finished = true;
      done(err, undefined);
    });
  });

  app.post(
    '/api/webhooks/stripe',
    {
      config: { access: 'custom' },
      schema: {
        tags: ['billing'],
        summary: 'Stripe webhook endpoint',
        description:
          'Raw Stripe event JSON, verified with the Stripe-Signature header (STRIPE_WEBHOOK_SECRET, 300 s tolerance). ' +
          '503 `stripe_webhooks_not_configured` when the secret is unset, 503 `STRIPE_API_UNAVAILABLE` when the invoice payments lookup fails (Stripe retries); 400 for a missing/invalid signature, stale timestamp or oversized body.',
        headers: z.object({ 'stripe-signature': z.string().max(4096).optional() }),
        response: { 200: z.object({ received: z.literal(true), outcome: z.string().max(64) }) },
      },
    },
    async (req) => webhooks.handle(Buffer.isBuffer(req.body) ? req.body : undefined, req.headers['stripe-signature']),
  );
};
