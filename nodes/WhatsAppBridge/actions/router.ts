import type { IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import * as contact from './contact/Contact.resource';
import * as message from './message/Message.resource';
import type { OperationExecute, WhatsAppBridgeMap, WhatsAppBridgeResource } from './node.type';
import * as session from './session/Session.resource';

function pick(this: IExecuteFunctions, resource: WhatsAppBridgeResource, operation: string): OperationExecute {
	let execute: OperationExecute | undefined;
	switch (resource) {
		case 'message':
			execute = message.operations[operation as WhatsAppBridgeMap['message']]?.execute;
			break;
		case 'session':
			execute = session.operations[operation as WhatsAppBridgeMap['session']]?.execute;
			break;
		case 'contact':
			execute = contact.operations[operation as WhatsAppBridgeMap['contact']]?.execute;
			break;
		default:
			throw new NodeOperationError(this.getNode(), `The resource "${resource as string}" is not known`);
	}
	if (!execute) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`);
	}
	return execute;
}

/** Runs the chosen operation once per input item; every output item is paired with its input. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as WhatsAppBridgeResource;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const execute = pick.call(this, resource, operation);
			const results = await execute.call(this, itemIndex);
			for (const result of results) returnData.push({ ...result, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (this.continueOnFail()) {
				const message = error instanceof Error ? error.message : String(error);
				const json: JsonObject = { error: message };
				if (error instanceof NodeApiError) {
					if (error.httpCode) json.httpCode = error.httpCode;
					if (error.description) json.description = error.description;
				}
				returnData.push({ json, pairedItem: { item: itemIndex } });
				continue;
			}
			if (error instanceof NodeApiError || error instanceof NodeOperationError) {
				if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
				throw error;
			}
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
		}
	}
	return [returnData];
}
