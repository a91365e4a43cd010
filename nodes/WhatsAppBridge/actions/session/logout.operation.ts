import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [sessionProperty];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['logout'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const response = await bridgeRequest.call(this, 'POST', `/v1/sessions/${encodeURIComponent(name)}/logout`, {
		itemIndex,
	});
	const body = response.body && typeof response.body === 'object' ? (response.body as IDataObject) : {};
	return [{ json: { session: name, success: true, ...body } }];
}
