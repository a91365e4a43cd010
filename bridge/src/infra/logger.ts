import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one event per line; secrets are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'whatsapp-bridge' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        '*.apiKey',
        '*.secret',
        '*.encryptionKey',
        '*.adminKey',
        'apiKey',
        'secret',
      ],
      censor: '[redacted]',
    },
  });
}
