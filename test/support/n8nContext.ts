/**
 * A minimal n8n execution context for running the package's nodes in tests: just what the
 * nodes use (parameters per item, credentials, httpRequestWithAuthentication over fetch,
 * binary helpers, continueOnFail, static data, webhook request/response).
 */
import type {
  IDataObject,
  IExecuteFunctions,
  IHookFunctions,
  IHttpRequestOptions,
  INode,
  INodeExecutionData,
  IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

export interface Credentials {
  baseUrl: string;
  apiKey: string;
}

type Parameters = Record<string, unknown>;

export const testNode: INode = {
  id: 'node-1',
  name: 'WhatsApp Bridge',
  type: 'n8n-nodes-whatsapp-bridge.whatsAppBridge',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
};

function missing(name: string): never {
  throw new Error(`Could not get parameter "${name}"`);
}

/** n8n's httpRequest semantics that matter here, over fetch. */
export async function httpRequest(credentials: Credentials, options: IHttpRequestOptions): Promise<any> {
  const url = new URL(options.url, options.baseURL);
  for (const [key, value] of Object.entries(options.qs ?? {})) {
    if (value === undefined || value === null) continue;
    url.searchParams.append(key, String(value));
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = String(value);
  headers.authorization = `Bearer ${credentials.apiKey}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (Buffer.isBuffer(options.body) || typeof options.body === 'string') body = Buffer.isBuffer(options.body) ? new Blob([new Uint8Array(options.body)]) : (options.body as string);
    else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(url, { method: options.method ?? 'GET', headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let parsed: unknown;
  if (options.encoding === 'arraybuffer') parsed = bytes;
  else {
    const text = bytes.toString('utf8');
    try {
      parsed = text ? JSON.parse(text) : '';
    } catch {
      parsed = text;
    }
  }
  const ok = res.status >= 200 && res.status < 300;
  if (!ok && !options.ignoreHttpStatusErrors) {
    const error = new Error(`Request failed with status code ${res.status}`) as Error & { httpCode: string; response: unknown };
    error.httpCode = String(res.status);
    error.response = { status: res.status, data: parsed };
    throw error;
  }
  if (options.returnFullResponse) {
    return { body: parsed, headers: Object.fromEntries(res.headers), statusCode: res.status, statusMessage: res.statusText };
  }
  return parsed;
}

export interface ExecuteOptions {
  credentials: Credentials;
  /** The node's parameters: one object for every item, or one per item (expressions resolved per item). */
  parameters: Parameters | Parameters[];
  items?: INodeExecutionData[];
  continueOnFail?: boolean;
}

function binaryHelpers(items: INodeExecutionData[], node: INode) {
  return {
    assertBinaryData(itemIndex: number, propertyName: string) {
      const binary = items[itemIndex]?.binary?.[propertyName];
      if (!binary) {
        throw new NodeOperationError(node, `This operation expects the node's input data to contain a binary file '${propertyName}', but none was found [item ${itemIndex}]`, { itemIndex });
      }
      return binary;
    },
    async getBinaryDataBuffer(itemIndex: number, propertyName: string) {
      const binary = items[itemIndex]?.binary?.[propertyName];
      if (!binary) throw new Error(`no binary property ${propertyName}`);
      return Buffer.from(binary.data, 'base64');
    },
    async prepareBinaryData(buffer: Buffer, fileName?: string, mimeType?: string) {
      return {
        data: buffer.toString('base64'),
        mimeType: mimeType ?? 'application/octet-stream',
        fileName,
        fileExtension: fileName?.split('.').pop(),
        fileSize: `${buffer.length} B`,
      };
    },
  };
}

/** An IExecuteFunctions for one run of an action node. */
export function executeContext(options: ExecuteOptions): IExecuteFunctions {
  const items = options.items ?? [{ json: {} }];
  const node = { ...testNode };
  const paramsFor = (itemIndex: number): Parameters =>
    Array.isArray(options.parameters) ? (options.parameters[itemIndex] ?? {}) : options.parameters;
  const ctx = {
    getInputData: () => items,
    getNode: () => node,
    continueOnFail: () => options.continueOnFail ?? false,
    getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
      const params = paramsFor(itemIndex);
      if (name in params) return params[name];
      if (arguments.length >= 3) return fallback;
      return missing(name);
    },
    async getCredentials(type: string) {
      if (type !== 'whatsAppBridgeApi') throw new Error(`unexpected credential type ${type}`);
      return { ...options.credentials };
    },
    helpers: {
      async httpRequestWithAuthentication(type: string, request: IHttpRequestOptions) {
        if (type !== 'whatsAppBridgeApi') throw new Error(`unexpected credential type ${type}`);
        return httpRequest(options.credentials, request);
      },
      returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
      ...binaryHelpers(items, node),
    },
  };
  return ctx as unknown as IExecuteFunctions;
}

export interface HookOptions {
  credentials: Credentials;
  parameters: Parameters;
  webhookUrl: string;
  /** The node's static data, shared between hook and webhook contexts like n8n does. */
  staticData: IDataObject;
  workflowId?: string;
}

export function hookContext(options: HookOptions): IHookFunctions {
  const node = { ...testNode, name: 'WhatsApp Bridge Trigger', type: 'n8n-nodes-whatsapp-bridge.whatsAppBridgeTrigger' };
  const ctx = {
    getNode: () => node,
    getWorkflow: () => ({ id: options.workflowId ?? 'wf-1', name: 'test', active: true }),
    getNodeWebhookUrl: (name: string) => (name === 'default' ? options.webhookUrl : undefined),
    getWorkflowStaticData: (type: string) => {
      if (type !== 'node') throw new Error('only node static data is used');
      return options.staticData;
    },
    getNodeParameter(name: string, fallback?: unknown) {
      if (name in options.parameters) return options.parameters[name];
      if (arguments.length >= 2) return fallback;
      return missing(name);
    },
    async getCredentials() {
      return { ...options.credentials };
    },
    helpers: {
      async httpRequestWithAuthentication(_type: string, request: IHttpRequestOptions) {
        return httpRequest(options.credentials, request);
      },
    },
  };
  return ctx as unknown as IHookFunctions;
}

export interface WebhookRequest {
  headers: Record<string, string>;
  rawBody: string | Buffer;
}

export interface RecordedResponse {
  statusCode: number;
  body: unknown;
  ended: boolean;
}

export function webhookContext(options: { parameters: Parameters; staticData: IDataObject; request: WebhookRequest }) {
  const response: RecordedResponse = { statusCode: 200, body: undefined, ended: false };
  const raw = options.request.rawBody;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  let body: IDataObject = {};
  try {
    body = JSON.parse(text);
  } catch {
    // n8n hands an unparsable body over as an empty object
  }
  const headers = Object.fromEntries(Object.entries(options.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const res = {
    status(code: number) {
      response.statusCode = code;
      return res;
    },
    json(value: unknown) {
      response.body = value;
      response.ended = true;
      return res;
    },
    send(value: unknown) {
      response.body = value;
      response.ended = true;
      return res;
    },
    end() {
      response.ended = true;
      return res;
    },
  };
  const ctx = {
    getNode: () => ({ ...testNode, name: 'WhatsApp Bridge Trigger' }),
    getWorkflowStaticData: () => options.staticData,
    getRequestObject: () => ({ headers, body, rawBody: Buffer.isBuffer(raw) ? raw : Buffer.from(raw) }),
    getResponseObject: () => res,
    getHeaderData: () => headers,
    getBodyData: () => body,
    getNodeParameter(name: string, fallback?: unknown) {
      if (name in options.parameters) return options.parameters[name];
      if (arguments.length >= 2) return fallback;
      return missing(name);
    },
    helpers: {
      returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
    },
  };
  return { ctx: ctx as unknown as IWebhookFunctions, response };
}
