import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequest } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		required: true,
		default: '',
		description: 'The bridge\'s ID of the message (the "ID" field of a message, not WhatsApp\'s message ID)',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const id = String(this.getNodeParameter('messageId', itemIndex, '')).trim();
	if (!id) throw new NodeOperationError(this.getNode(), 'The message ID is empty', { itemIndex });
	const message = await bridgeApiRequest.call(this, 'GET', `/v1/messages/${encodeURIComponent(id)}`, { itemIndex });
	return [{ json: message }];
}
