import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../bridge/src/infra/secretBox.ts';

describe('secret box (AES-256-GCM at rest)', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips bytes and strings, with a fresh nonce each time', () => {
    const data = randomBytes(100);
    const a = box.seal(data, 'ctx');
    const b = box.seal(data, 'ctx');
    expect(a).not.toBe(b);
    expect(box.open(a, 'ctx').equals(data)).toBe(true);
    expect(box.open(box.seal('héllo')).toString('utf8')).toBe('héllo');
    expect(a).not.toContain(data.toString('base64'));
  });

  it('detects tampering, a wrong context and a wrong key', () => {
    const sealed = box.seal('secret', 'session-1');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open('v1:' + raw.toString('base64'), 'session-1')).toThrow(/failed authentication/);
    expect(() => box.open(sealed, 'session-2')).toThrow(/failed authentication/);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'session-1')).toThrow(/failed authentication/);
    expect(() => box.open('plain text')).toThrow(/not a sealed value/);
  });
});
