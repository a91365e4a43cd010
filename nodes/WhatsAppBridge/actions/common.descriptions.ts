import type { INodeProperties } from 'n8n-workflow';

export const sessionProperty: INodeProperties = {
	displayName: 'Session Name',
	name: 'session',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. sales',
	description: 'Name of the session (WhatsApp account) on the bridge',
};

export const toProperty: INodeProperties = {
	displayName: 'To',
	name: 'to',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 4915123456789 or 4915123456789@s.whatsapp.net',
	description: 'Phone number in international format without "+", or a chat ID (JID) such as a group',
};

export const quotedMessageIdOption: INodeProperties = {
	displayName: 'Quoted Message ID',
	name: 'quotedMessageId',
	type: 'string',
	default: '',
	description: 'WhatsApp message ID of a message to reply to (quote)',
};

export const idempotencyKeyOption: INodeProperties = {
	displayName: 'Idempotency Key',
	name: 'idempotencyKey',
	type: 'string',
	default: '',
	description:
		'A unique key for this send: if the same key is sent again (for example when the workflow is retried), the bridge answers with the first message instead of sending twice',
};

export function returnAllProperty(): INodeProperties {
	return {
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	};
}

export function limitProperty(): INodeProperties {
	return {
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	};
}
