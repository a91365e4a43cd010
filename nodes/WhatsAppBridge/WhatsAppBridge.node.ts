import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import * as contact from './actions/contact/Contact.resource';
import * as message from './actions/message/Message.resource';
import { router } from './actions/router';
import * as session from './actions/session/Session.resource';

export class WhatsAppBridge implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Bridge',
		name: 'whatsAppBridge',
		icon: 'file:whatsAppBridge.svg',
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Send WhatsApp messages and manage sessions through a self-hosted WhatsApp bridge',
		defaults: { name: 'WhatsApp Bridge' },
		usableAsTool: true,
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'whatsAppBridgeApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Contact', value: 'contact' },
					{ name: 'Message', value: 'message' },
					{ name: 'Session', value: 'session' },
				],
				default: 'message',
			},
			...message.description,
			...session.description,
			...contact.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
