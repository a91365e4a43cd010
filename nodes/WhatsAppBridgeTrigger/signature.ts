import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks allow this much clock difference between sender and receiver. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck =
	| { valid: true }
	| { valid: false; reason: string };

function header(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}

/** The HMAC key of a `whsec_…` secret: the base64-decoded part after the prefix. */
export function secretKey(secret: string): Buffer {
	const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
	return Buffer.from(encoded, 'base64');
}

/** `v1,<base64>` for this id, timestamp and body (what the bridge sends). */
export function sign(secret: string, id: string, timestamp: number | string, body: string | Buffer): string {
	const hmac = createHmac('sha256', secretKey(secret));
	hmac.update(`${id}.${timestamp}.`);
	hmac.update(body);
	return `v1,${hmac.digest('base64')}`;
}

/**
 * Verifies a Standard Webhooks request: `webhook-id`, `webhook-timestamp` (within the tolerance)
 * and `webhook-signature` (one or more space-separated `v1,<base64>` entries, any of which may
 * match), compared in constant time.
 */
export function verifySignature(
	secret: string,
	headers: Record<string, unknown>,
	rawBody: string | Buffer,
	nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
	const id = header(headers, 'webhook-id');
	const timestamp = header(headers, 'webhook-timestamp');
	const signatures = header(headers, 'webhook-signature');
	if (!id || !timestamp || !signatures) return { valid: false, reason: 'missing webhook signature headers' };
	if (!/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: 'invalid webhook-timestamp' };
	if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
		return { valid: false, reason: 'webhook-timestamp outside the tolerance' };
	}
	const expected = Buffer.from(sign(secret, id, timestamp, rawBody).slice(3), 'base64');
	for (const entry of signatures.split(' ')) {
		const [version, value] = entry.split(',', 2);
		if (version !== 'v1' || !value) continue;
		const given = Buffer.from(value, 'base64');
		if (given.length === expected.length && timingSafeEqual(given, expected)) return { valid: true };
	}
	return { valid: false, reason: 'no matching signature' };
}
