import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [
	sessionProperty,
	{
		displayName: 'Phone Number',
		name: 'phoneNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 4915123456789',
		description: 'The phone number of the WhatsApp account to pair, in international format without "+"',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['requestPairingCode'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const phoneNumber = String(this.getNodeParameter('phoneNumber', itemIndex, '')).replace(/[\s()+-]/g, '');
	if (!/^\d{6,15}$/.test(phoneNumber)) {
		throw new NodeOperationError(this.getNode(), `"${phoneNumber}" is not a phone number in international format`, {
			itemIndex,
		});
	}
	const result = await bridgeApiRequest.call(this, 'POST', `/v1/sessions/${encodeURIComponent(name)}/pairing-code`, {
		body: { phoneNumber },
		itemIndex,
	});
	return [{ json: { session: name, phoneNumber, ...result } }];
}
