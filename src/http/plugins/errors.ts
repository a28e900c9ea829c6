// One error renderer (ARCHITECTURE rule 4): { error: { code, message, requestId, details? } }.
// 5xx messages are generic; the cause goes to the log only.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, RateLimitedError } from '../../lib/errors.js';

export type ErrorBody = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): FastifyReply {
  const body: ErrorBody = { error: { code, message, requestId: String(reply.request.id) } };
  if (details) body.error.details = details;
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

type ValidationIssue = { instancePath?: string; message?: string };

function describeValidation(err: FastifyError & { validation: ValidationIssue[] }, context: string | undefined) {
  const fields = err.validation.map((v) => {
    const path = v.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
    return { field: path ? `${context ?? 'body'}.${path}` : (context ?? 'body'), message: v.message ?? 'invalid' };
  });
  const first = fields[0];
  const message = first ? `${first.field}: ${first.message}` : 'Invalid request';
  return { message, details: { fields } };
}

export function registerErrorHandling(
  app: FastifyInstance,
  /** Serves client-side routes of the dashboard; returns null for paths it does not own. */
  spaFallback: ((request: FastifyRequest, reply: FastifyReply) => FastifyReply | null) | null = null,
): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
      if (err.status >= 500) request.log.error({ err }, 'request failed');
      const message = err.status >= 500 ? 'Internal server error' : err.message;
      return sendError(reply, err.status, err.code, message, err.status >= 500 ? undefined : err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const { message, details } = describeValidation(err as never, err.validationContext);
      return sendError(reply, 400, 'VALIDATION_ERROR', message, details);
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause }, 'response did not match its schema');
      return sendError(reply, 500, 'INTERNAL_ERROR', 'Internal server error');
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'INVALID_JSON', 'Body cannot be empty when content-type is application/json');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'INVALID_JSON', 'Body is not valid JSON');
      case 'FST_ERR_VALIDATION':
        return sendError(reply, 400, 'VALIDATION_ERROR', err.message);
    }
    if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
      return sendError(reply, 400, 'INVALID_JSON', 'Body is not valid JSON');
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return sendError(reply, status, 'INTERNAL_ERROR', 'Internal server error');
    }
    return sendError(reply, status, 'BAD_REQUEST', err.message);
  });

  app.setNotFoundHandler(
    (request, reply) =>
      spaFallback?.(request, reply) ??
      sendError(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
  );
}
