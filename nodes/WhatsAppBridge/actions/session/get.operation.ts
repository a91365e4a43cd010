import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [sessionProperty];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const session = await bridgeApiRequest.call(this, 'GET', `/v1/sessions/${encodeURIComponent(name)}`, { itemIndex });
	return [{ json: session }];
}
