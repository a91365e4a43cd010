import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { bridgeApiRequest, bridgeRequest } from '../WhatsAppBridge/transport';
import { verifySignature } from './signature';
import { simplifyEvent } from './simplify';

interface TriggerStaticData extends IDataObject {
	webhookId?: string;
	webhookSecret?: string;
	webhookUrl?: string;
}

const SESSION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function sessionList(this: IHookFunctions): string[] {
	const raw = String(this.getNodeParameter('sessions', '') ?? '');
	const sessions = raw
		.split(',')
		.map((name) => name.trim())
		.filter((name) => name !== '');
	for (const name of sessions) {
		if (!SESSION_NAME.test(name)) {
			throw new NodeOperationError(this.getNode(), `"${name}" is not a valid session name`);
		}
	}
	return sessions;
}

function rawBodyOf(this: IWebhookFunctions): Buffer | string | undefined {
	const req = this.getRequestObject() as unknown as { rawBody?: Buffer | string };
	return req.rawBody;
}

export class WhatsAppBridgeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Bridge Trigger',
		name: 'whatsAppBridgeTrigger',
		icon: 'file:whatsAppBridgeTrigger.svg',
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow on WhatsApp events from a self-hosted WhatsApp bridge',
		defaults: { name: 'WhatsApp Bridge Trigger' },
		inputs: [],
		outputs: ['main'],
		credentials: [{ name: 'whatsAppBridgeApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
				rawBody: true,
			},
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['message.received'],
				options: [
					{
						name: 'Message Deleted',
						value: 'message.deleted',
						description: 'The sender deleted a message for everyone',
					},
					{
						name: 'Message Edited',
						value: 'message.edited',
						description: 'The sender edited a message (the new text, and the previous one)',
					},
					{
						name: 'Message Reaction',
						value: 'message.reaction',
						description: 'Someone reacted to a message (or removed their reaction)',
					},
					{
						name: 'Message Received',
						value: 'message.received',
						description: 'A message arrived in one of the sessions',
					},
					{
						name: 'Message Sent',
						value: 'message.sent',
						description: 'A message was sent from one of the sessions (also from the phone)',
					},
					{
						name: 'Message Undecryptable',
						value: 'message.undecryptable',
						description: 'WhatsApp never delivered a copy of a message the bridge could decrypt',
					},
					{
						name: 'Message Updated',
						value: 'message.updated',
						description: 'A message\'s delivery status changed (delivered, read)',
					},
					{
						name: 'Poll Vote',
						value: 'poll.vote',
						description: 'Someone voted in a poll (the options they chose)',
					},
					{
						name: 'Session Status',
						value: 'session.status',
						description: 'A session connected, disconnected, needs a QR scan or was logged out',
					},
				],
				description: 'The events that start the workflow',
			},
			{
				displayName: 'Sessions',
				name: 'sessions',
				type: 'string',
				default: '',
				placeholder: 'e.g. sales, support',
				description: 'Comma-separated session names to listen to; leave empty for all sessions',
			},
			{
				displayName: 'Simplify',
				name: 'simplify',
				type: 'boolean',
				default: true,
				description: 'Whether to return a simplified version of the response instead of the raw data',
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const staticData = this.getWorkflowStaticData('node') as TriggerStaticData;
				if (!staticData.webhookId) return false;
				const url = this.getNodeWebhookUrl('default');
				const response = await bridgeRequest.call(this, 'GET', `/v1/webhooks/${encodeURIComponent(staticData.webhookId)}`, {
					allowStatuses: [404],
				});
				const webhook = response.body as IDataObject;
				if (response.statusCode === 404 || webhook?.url !== url || !staticData.webhookSecret) {
					delete staticData.webhookId;
					delete staticData.webhookSecret;
					delete staticData.webhookUrl;
					return false;
				}
				// Same endpoint: bring its subscription in line with the node (and re-enable it if the
				// bridge disabled it after failures), instead of leaving a stale one behind.
				const events = [...((this.getNodeParameter('events', []) as string[]) ?? [])].sort();
				const sessions = sessionList.call(this).sort();
				const currentEvents = [...((webhook.events as string[]) ?? [])].sort();
				const currentSessions = [...((webhook.sessions as string[] | null) ?? [])].sort();
				const patch: IDataObject = {};
				if (events.length && events.join(',') !== currentEvents.join(',')) patch.events = events;
				if (sessions.join(',') !== currentSessions.join(',')) patch.sessions = sessions.length ? sessions : null;
				if (webhook.enabled === false) patch.enabled = true;
				if (Object.keys(patch).length) {
					await bridgeApiRequest.call(this, 'PATCH', `/v1/webhooks/${encodeURIComponent(staticData.webhookId)}`, {
						body: patch,
					});
				}
				return true;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const url = this.getNodeWebhookUrl('default');
				if (!url) throw new NodeOperationError(this.getNode(), 'n8n did not provide a webhook URL for this node');
				const events = this.getNodeParameter('events', []) as string[];
				if (!events.length) throw new NodeOperationError(this.getNode(), 'Choose at least one event');
				const sessions = sessionList.call(this);
				const body: IDataObject = {
					url,
					events,
					description: `n8n: workflow ${this.getWorkflow().id ?? ''} node "${this.getNode().name}"`.slice(0, 200),
				};
				if (sessions.length) body.sessions = sessions;
				const webhook = await bridgeApiRequest.call(this, 'POST', '/v1/webhooks', { body });
				if (typeof webhook.id !== 'string' || typeof webhook.secret !== 'string') {
					throw new NodeOperationError(this.getNode(), 'The bridge did not answer a webhook ID and secret');
				}
				const staticData = this.getWorkflowStaticData('node') as TriggerStaticData;
				staticData.webhookId = webhook.id;
				staticData.webhookSecret = webhook.secret;
				staticData.webhookUrl = url;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const staticData = this.getWorkflowStaticData('node') as TriggerStaticData;
				if (staticData.webhookId) {
					try {
						await bridgeRequest.call(this, 'DELETE', `/v1/webhooks/${encodeURIComponent(staticData.webhookId)}`, {
							allowStatuses: [404],
						});
					} catch {
						return false;
					}
				}
				delete staticData.webhookId;
				delete staticData.webhookSecret;
				delete staticData.webhookUrl;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const staticData = this.getWorkflowStaticData('node') as TriggerStaticData;
		const res = this.getResponseObject();
		const rawBody = rawBodyOf.call(this);
		const secret = staticData.webhookSecret;
		const check =
			secret && rawBody !== undefined
				? verifySignature(secret, this.getHeaderData() as Record<string, unknown>, rawBody)
				: { valid: false as const, reason: secret ? 'no raw body' : 'this trigger has no webhook secret' };
		if (!check.valid) {
			res.status(401).json({ error: { code: 'invalid_signature', message: check.reason } });
			return { noWebhookResponse: true };
		}

		const event = this.getBodyData() as IDataObject;
		if (event.type === 'webhook.test') {
			return { webhookResponse: { received: true, test: true } };
		}
		const simplify = this.getNodeParameter('simplify', true) as boolean;
		const json = simplify ? simplifyEvent(event) : event;
		return { workflowData: [this.helpers.returnJsonArray([json])] };
	}
}
