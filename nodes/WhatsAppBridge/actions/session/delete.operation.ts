import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [
	sessionProperty,
	{
		displayName: 'Delete Messages and Contacts',
		name: 'purge',
		type: 'boolean',
		default: false,
		description: 'Whether to also delete the messages and contacts stored for this session',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const purge = this.getNodeParameter('purge', itemIndex, false) as boolean;
	const response = await bridgeRequest.call(this, 'DELETE', `/v1/sessions/${encodeURIComponent(name)}`, {
		qs: purge ? { purge: 'true' } : undefined,
		itemIndex,
	});
	const body = response.body && typeof response.body === 'object' ? (response.body as IDataObject) : {};
	return [{ json: { session: name, deleted: true, ...body } }];
}
