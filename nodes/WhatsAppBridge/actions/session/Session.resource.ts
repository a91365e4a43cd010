import type { INodeProperties } from 'n8n-workflow';
import type { ResourceOperations } from '../node.type';
import * as create from './create.operation';
import * as deleteSession from './delete.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getQr from './getQr.operation';
import * as logout from './logout.operation';
import * as requestPairingCode from './requestPairingCode.operation';

export const operations: ResourceOperations<'session'> = {
	create,
	get,
	getMany,
	getQr,
	requestPairingCode,
	logout,
	delete: deleteSession,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['session'] } },
		options: [
			{ name: 'Create', value: 'create', description: 'Create a session (a WhatsApp account slot)', action: 'Create a session' },
			{
				name: 'Delete',
				value: 'delete',
				description: 'Log out and delete a session with its auth state',
				action: 'Delete a session',
			},
			{ name: 'Get', value: 'get', description: 'Get a session and its status', action: 'Get a session' },
			{ name: 'Get Many', value: 'getMany', description: 'Get many sessions', action: 'Get many sessions' },
			{ name: 'Get QR Code', value: 'getQr', description: 'Get the QR code to pair a phone', action: 'Get the QR code of a session' },
			{ name: 'Logout', value: 'logout', description: 'Log a session out of WhatsApp', action: 'Log out a session' },
			{
				name: 'Request Pairing Code',
				value: 'requestPairingCode',
				description: 'Pair by phone number instead of a QR code',
				action: 'Request a pairing code',
			},
		],
		default: 'get',
	},
	...create.description,
	...get.description,
	...getMany.description,
	...getQr.description,
	...requestPairingCode.description,
	...logout.description,
	...deleteSession.description,
];
