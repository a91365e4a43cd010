import type { INodeProperties } from 'n8n-workflow';
import type { ResourceOperations } from '../node.type';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as react from './react.operation';
import * as sendLocation from './sendLocation.operation';
import * as sendMedia from './sendMedia.operation';
import * as sendText from './sendText.operation';

export const operations: ResourceOperations<'message'> = { sendText, sendMedia, sendLocation, react, get, getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['message'] } },
		options: [
			{ name: 'Get', value: 'get', description: 'Get a stored message', action: 'Get a message' },
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Get many stored messages, newest first',
				action: 'Get many messages',
			},
			{ name: 'React', value: 'react', description: 'React to a message with an emoji', action: 'React to a message' },
			{ name: 'Send Location', value: 'sendLocation', description: 'Send a location', action: 'Send a location' },
			{
				name: 'Send Media',
				value: 'sendMedia',
				description: 'Send an image, video, audio or document',
				action: 'Send media',
			},
			{ name: 'Send Text', value: 'sendText', description: 'Send a text message', action: 'Send a text message' },
		],
		default: 'sendText',
	},
	...sendText.description,
	...sendMedia.description,
	...sendLocation.description,
	...react.description,
	...get.description,
	...getMany.description,
];
