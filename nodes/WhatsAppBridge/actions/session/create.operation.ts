import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [
	{
		...sessionProperty,
		description: 'Name of the new session: lowercase letters, digits, "-" and "_", up to 64 characters',
	},
	{
		displayName: 'Start Right Away',
		name: 'start',
		type: 'boolean',
		default: true,
		description: 'Whether to start the session at once, so that a QR code or pairing code can be requested',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['create'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const start = this.getNodeParameter('start', itemIndex, true) as boolean;
	const body = start ? { name } : { name, start: false };
	const session = await bridgeApiRequest.call(this, 'POST', '/v1/sessions', { body, itemIndex });
	return [{ json: session }];
}
