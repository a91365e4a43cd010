import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { bridgeApiRequest } from '../../transport';

export const SESSION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The session name of this item, checked before anything is sent. */
export function getSessionName(this: IExecuteFunctions, itemIndex: number): string {
	const session = String(this.getNodeParameter('session', itemIndex, '')).trim();
	if (!SESSION_NAME.test(session)) {
		throw new NodeOperationError(
			this.getNode(),
			`"${session}" is not a valid session name (lowercase letters, digits, "-" and "_", up to 64 characters)`,
			{ itemIndex },
		);
	}
	return session;
}

/** POST /v1/sessions/:name/messages with the common options (quote, idempotency key). */
export async function sendMessage(
	this: IExecuteFunctions,
	itemIndex: number,
	payload: IDataObject,
): Promise<INodeExecutionData[]> {
	const session = getSessionName.call(this, itemIndex);
	const to = String(this.getNodeParameter('to', itemIndex, '')).trim();
	if (!to) throw new NodeOperationError(this.getNode(), 'The recipient ("To") is empty', { itemIndex });
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = { to, ...payload };
	if (options.quotedMessageId) body.quotedMessageId = String(options.quotedMessageId);
	const headers: IDataObject = {};
	if (options.idempotencyKey) headers['Idempotency-Key'] = String(options.idempotencyKey);
	const response = await bridgeApiRequest.call(this, 'POST', `/v1/sessions/${encodeURIComponent(session)}/messages`, {
		body,
		headers,
		itemIndex,
	});
	return [{ json: { session, to, ...response } }];
}
