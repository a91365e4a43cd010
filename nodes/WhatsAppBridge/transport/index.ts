import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

export const CREDENTIAL_TYPE = 'whatsAppBridgeApi';

/** The bridge pages at most this many records per request. */
export const MAX_PAGE_SIZE = 200;

type BridgeContext = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions;

export interface BridgeRequestOptions {
	body?: IDataObject;
	qs?: IDataObject;
	headers?: IDataObject;
	/** Answer the raw bytes (a Buffer) instead of parsed JSON. */
	binary?: boolean;
	/** Statuses that are not errors for this call (e.g. 404 in checkExists); the full response is returned. */
	allowStatuses?: number[];
	itemIndex?: number;
}

export interface BridgeResponse<T = unknown> {
	statusCode: number;
	headers: IDataObject;
	body: T;
}

function trimSlashes(url: string): string {
	return url.replace(/\/+$/, '');
}

function dropEmpty(values: IDataObject | undefined): IDataObject | undefined {
	if (!values) return undefined;
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(values)) {
		if (value === undefined || value === null || value === '') continue;
		out[key] = value;
	}
	return out;
}

function parseBody(body: unknown): unknown {
	if (Buffer.isBuffer(body)) {
		const text = body.toString('utf8');
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	if (typeof body === 'string') {
		try {
			return JSON.parse(body);
		} catch {
			return body;
		}
	}
	return body;
}

/** Turns a bridge error answer ({"error": {"code", "message"}}) into a NodeApiError. */
export function bridgeError(
	ctx: BridgeContext,
	statusCode: number,
	rawBody: unknown,
	itemIndex?: number,
): NodeApiError {
	const body = parseBody(rawBody);
	const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
	const code = typeof error?.code === 'string' ? error.code : `http_${statusCode}`;
	const message =
		typeof error?.message === 'string' && error.message
			? error.message
			: `The bridge answered HTTP ${statusCode}`;
	const response: JsonObject =
		body && typeof body === 'object' ? (body as JsonObject) : { error: { code, message } };
	return new NodeApiError(ctx.getNode(), response, {
		message: `${message} [${code}]`,
		description: `The WhatsApp bridge answered HTTP ${statusCode} (${code}): ${message}`,
		httpCode: String(statusCode),
		itemIndex,
	});
}

/** One request to the bridge through the credential, answering the full response. */
export async function bridgeRequest<T = unknown>(
	this: BridgeContext,
	method: IHttpRequestMethods,
	path: string,
	options: BridgeRequestOptions = {},
): Promise<BridgeResponse<T>> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = trimSlashes(String(credentials.baseUrl ?? ''));
	const request: IHttpRequestOptions = {
		method,
		url: `${baseUrl}${path}`,
		headers: { accept: options.binary ? 'image/png' : 'application/json', ...dropEmpty(options.headers) },
		qs: dropEmpty(options.qs),
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	if (options.body !== undefined) {
		request.body = options.body;
		request.json = true;
	}
	if (options.binary) request.encoding = 'arraybuffer';
	else request.json = true;

	let response: { statusCode: number; headers: IDataObject; body: unknown };
	try {
		response = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, request);
	} catch (error) {
		throw new NodeApiError(this.getNode(), error as JsonObject, {
			message: `Could not reach the WhatsApp bridge at ${baseUrl}`,
			itemIndex: options.itemIndex,
		});
	}
	const { statusCode } = response;
	if ((statusCode < 200 || statusCode >= 300) && !options.allowStatuses?.includes(statusCode)) {
		throw bridgeError(this, statusCode, response.body, options.itemIndex);
	}
	const body = options.binary && statusCode >= 200 && statusCode < 300 ? response.body : parseBody(response.body);
	return { statusCode, headers: response.headers ?? {}, body: body as T };
}

/** A request whose JSON body is all the caller needs. */
export async function bridgeApiRequest(
	this: BridgeContext,
	method: IHttpRequestMethods,
	path: string,
	options: BridgeRequestOptions = {},
): Promise<IDataObject> {
	const response = await bridgeRequest.call(this, method, path, options);
	const body = response.body;
	return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as IDataObject) : {};
}

interface CursorPage {
	data?: IDataObject[];
	pagination?: { nextCursor?: string | null; hasMore?: boolean };
}

/**
 * Follows the bridge's cursor pagination (`cursor` → `pagination.nextCursor`) until `max` records
 * are collected or there are no more; `max` undefined means all of them.
 */
export async function bridgeApiRequestAllItems(
	this: BridgeContext,
	path: string,
	qs: IDataObject,
	max: number | undefined,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const results: IDataObject[] = [];
	let cursor: string | undefined;
	const seen = new Set<string>();
	for (;;) {
		const remaining = max === undefined ? MAX_PAGE_SIZE : max - results.length;
		if (remaining <= 0) break;
		const page = (await bridgeApiRequest.call(this, 'GET', path, {
			qs: { ...qs, limit: Math.min(remaining, MAX_PAGE_SIZE), cursor },
			itemIndex,
		})) as CursorPage;
		const data = Array.isArray(page?.data) ? page.data : [];
		results.push(...data.slice(0, remaining));
		const next = page?.pagination?.nextCursor;
		if (!next || page?.pagination?.hasMore === false || data.length === 0 || seen.has(next)) break;
		seen.add(next);
		cursor = next;
	}
	return results;
}
