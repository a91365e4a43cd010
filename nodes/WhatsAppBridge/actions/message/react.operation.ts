import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { idempotencyKeyOption, sessionProperty, toProperty } from '../common.descriptions';
import { sendMessage } from './send';

const properties: INodeProperties[] = [
	sessionProperty,
	{ ...toProperty, description: 'The chat of the message to react to: phone number or chat ID (JID)' },
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		required: true,
		default: '',
		description: 'WhatsApp message ID of the message to react to',
	},
	{
		displayName: 'Emoji',
		name: 'emoji',
		type: 'string',
		default: '👍',
		description: 'The reaction; leave empty to remove an earlier reaction',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [idempotencyKeyOption],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['react'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const messageId = String(this.getNodeParameter('messageId', itemIndex, '')).trim();
	if (!messageId) throw new NodeOperationError(this.getNode(), 'The message ID is empty', { itemIndex });
	const emoji = String(this.getNodeParameter('emoji', itemIndex, ''));
	return await sendMessage.call(this, itemIndex, { reaction: { messageId, emoji } });
}
