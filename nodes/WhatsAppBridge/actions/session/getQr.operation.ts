import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';
import { bridgeApiRequest, bridgeRequest } from '../../transport';
import { sessionProperty } from '../common.descriptions';
import { getSessionName } from '../message/send';

const properties: INodeProperties[] = [
	sessionProperty,
	{
		displayName: 'Format',
		name: 'format',
		type: 'options',
		default: 'json',
		options: [
			{ name: 'JSON', value: 'json', description: 'The QR text, a data URL and its expiry time' },
			{ name: 'PNG Image', value: 'png', description: 'The QR code as a binary PNG image' },
		],
		description: 'How to return the QR code',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the output binary field to put the PNG in',
		displayOptions: { show: { format: ['png'] } },
	},
];

export const description = updateDisplayOptions({ show: { resource: ['session'], operation: ['getQr'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const name = getSessionName.call(this, itemIndex);
	const format = this.getNodeParameter('format', itemIndex, 'json') as string;
	const path = `/v1/sessions/${encodeURIComponent(name)}/qr`;
	if (format !== 'png') {
		const qr = await bridgeApiRequest.call(this, 'GET', path, { itemIndex });
		return [{ json: { session: name, ...qr } }];
	}
	const propertyName = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim() || 'data';
	const response = await bridgeRequest.call(this, 'GET', path, { qs: { format: 'png' }, binary: true, itemIndex });
	const body = response.body as Buffer | ArrayBuffer | string;
	const buffer = Buffer.isBuffer(body)
		? body
		: body instanceof ArrayBuffer
			? Buffer.from(body)
			: Buffer.from(String(body), 'binary');
	const binary = await this.helpers.prepareBinaryData(buffer, `qr-${name}.png`, 'image/png');
	const json: IDataObject = { session: name, mimeType: 'image/png', fileSize: buffer.length };
	return [{ json, binary: { [propertyName]: binary } }];
}
