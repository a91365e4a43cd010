import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequestAllItems } from '../../transport';
import { limitProperty, returnAllProperty } from '../common.descriptions';

const properties: INodeProperties[] = [
	returnAllProperty(),
	limitProperty(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		options: [
			{
				displayName: 'Chat',
				name: 'chat',
				type: 'string',
				default: '',
				placeholder: 'e.g. 4915123456789@s.whatsapp.net',
				description: 'Only messages of this chat (JID)',
			},
			{
				displayName: 'Direction',
				name: 'direction',
				type: 'options',
				default: 'in',
				options: [
					{ name: 'Incoming', value: 'in' },
					{ name: 'Outgoing', value: 'out' },
				],
				description: 'Only received or only sent messages',
			},
			{
				displayName: 'Received After',
				name: 'since',
				type: 'dateTime',
				default: '',
				description: 'Only messages at or after this time',
			},
			{
				displayName: 'Received Before',
				name: 'until',
				type: 'dateTime',
				default: '',
				description: 'Only messages before this time',
			},
			{
				displayName: 'Session Name',
				name: 'session',
				type: 'string',
				default: '',
				description: 'Only messages of this session',
			},
			{
				displayName: 'Type',
				name: 'type',
				type: 'options',
				default: 'text',
				options: [
					{ name: 'Audio', value: 'audio' },
					{ name: 'Contact Card', value: 'contact' },
					{ name: 'Document', value: 'document' },
					{ name: 'Image', value: 'image' },
					{ name: 'Location', value: 'location' },
					{ name: 'Reaction', value: 'reaction' },
					{ name: 'Sticker', value: 'sticker' },
					{ name: 'Text', value: 'text' },
					{ name: 'Unsupported', value: 'unsupported' },
					{ name: 'Video', value: 'video' },
					{ name: 'Voice Note', value: 'voice' },
				],
				description: 'Only messages of this type',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['getMany'] } }, properties);

function isoTime(this: IExecuteFunctions, value: unknown, field: string, itemIndex: number): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const time = new Date(String(value));
	if (Number.isNaN(time.getTime())) {
		throw new NodeOperationError(this.getNode(), `"${String(value)}" in "${field}" is not a date and time`, { itemIndex });
	}
	return time.toISOString();
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? undefined : Number(this.getNodeParameter('limit', itemIndex, 50));
	if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
		throw new NodeOperationError(this.getNode(), `The limit must be a whole number of at least 1, not ${limit}`, { itemIndex });
	}
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs: IDataObject = {
		session: filters.session,
		chat: filters.chat,
		direction: filters.direction,
		type: filters.type,
		since: isoTime.call(this, filters.since, 'Received After', itemIndex),
		until: isoTime.call(this, filters.until, 'Received Before', itemIndex),
	};
	const messages = await bridgeApiRequestAllItems.call(this, '/v1/messages', qs, limit, itemIndex);
	return messages.map((json) => ({ json }));
}
