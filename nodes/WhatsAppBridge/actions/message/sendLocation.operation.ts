import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { idempotencyKeyOption, quotedMessageIdOption, sessionProperty, toProperty } from '../common.descriptions';
import { sendMessage } from './send';

const properties: INodeProperties[] = [
	sessionProperty,
	toProperty,
	{
		displayName: 'Latitude',
		name: 'latitude',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 7 },
		description: 'Latitude in decimal degrees',
	},
	{
		displayName: 'Longitude',
		name: 'longitude',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 7 },
		description: 'Longitude in decimal degrees',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Address',
				name: 'address',
				type: 'string',
				default: '',
				description: 'Address shown under the place name',
			},
			idempotencyKeyOption,
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				description: 'Name of the place',
			},
			quotedMessageIdOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['sendLocation'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const latitude = Number(this.getNodeParameter('latitude', itemIndex));
	const longitude = Number(this.getNodeParameter('longitude', itemIndex));
	if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
		throw new NodeOperationError(this.getNode(), `Latitude ${latitude} is not between -90 and 90`, { itemIndex });
	}
	if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
		throw new NodeOperationError(this.getNode(), `Longitude ${longitude} is not between -180 and 180`, { itemIndex });
	}
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const location: IDataObject = { latitude, longitude };
	if (options.name) location.name = options.name;
	if (options.address) location.address = options.address;
	return await sendMessage.call(this, itemIndex, { location });
}
