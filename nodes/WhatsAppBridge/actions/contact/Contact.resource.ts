import type { INodeProperties } from 'n8n-workflow';
import type { ResourceOperations } from '../node.type';
import * as getMany from './getMany.operation';

export const operations: ResourceOperations<'contact'> = { getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [{ name: 'Get Many', value: 'getMany', description: 'Get many contacts', action: 'Get many contacts' }],
		default: 'getMany',
	},
	...getMany.description,
];
