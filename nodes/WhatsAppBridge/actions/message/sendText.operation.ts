import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { idempotencyKeyOption, quotedMessageIdOption, sessionProperty, toProperty } from '../common.descriptions';
import { sendMessage } from './send';

const properties: INodeProperties[] = [
	sessionProperty,
	toProperty,
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 4 },
		description: 'The message text',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [idempotencyKeyOption, quotedMessageIdOption],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['sendText'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const text = String(this.getNodeParameter('text', itemIndex, ''));
	if (!text) throw new NodeOperationError(this.getNode(), 'The text is empty', { itemIndex });
	return await sendMessage.call(this, itemIndex, { text });
}
