import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

/** Every resource and its operations: the router's switch is checked against this map. */
export interface WhatsAppBridgeMap {
	message: 'sendText' | 'sendMedia' | 'sendLocation' | 'react' | 'get' | 'getMany';
	session: 'create' | 'get' | 'getMany' | 'getQr' | 'requestPairingCode' | 'logout' | 'delete';
	contact: 'getMany';
}

export type WhatsAppBridgeResource = keyof WhatsAppBridgeMap;

/** Runs one operation for one input item; the router adds pairedItem and error handling. */
export type OperationExecute = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

export interface OperationModule {
	description: INodeProperties[];
	execute: OperationExecute;
}

export type ResourceOperations<R extends WhatsAppBridgeResource> = Record<WhatsAppBridgeMap[R], OperationModule>;
