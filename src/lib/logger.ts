import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hive-setup-token"]',
  'req.headers["x-hive-federation-jwt"]',
  'req.headers["x-hive-federation-secret"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.apiKey',
  '*.secret',
  '*.token',
];

export function createLogger(opts: { level: LevelWithSilent; name?: string }): Logger {
  return pino({
    name: opts.name ?? 'pilox',
    level: opts.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
