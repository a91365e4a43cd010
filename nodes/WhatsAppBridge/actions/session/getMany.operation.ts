import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeRequest } from '../../transport';
import { limitProperty, returnAllProperty } from '../common.descriptions';

const properties: INodeProperties[] = [returnAllProperty(), limitProperty()];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = Number(this.getNodeParameter('limit', itemIndex, 50));
	const { body } = await bridgeRequest.call(this, 'GET', '/v1/sessions', { itemIndex });
	// The list is small (one organization's sessions) and answered in one go; accept both shapes.
	const sessions = (Array.isArray(body) ? body : ((body as IDataObject)?.data ?? [])) as IDataObject[];
	return (returnAll ? sessions : sessions.slice(0, limit)).map((json) => ({ json }));
}
