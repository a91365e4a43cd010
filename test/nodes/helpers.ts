import type { INodeExecutionData } from 'n8n-workflow';
import { WhatsAppBridge } from '../../nodes/WhatsAppBridge/WhatsAppBridge.node';
import { executeContext, type ExecuteOptions } from '../support/n8nContext';

export const API_KEY = 'wab_test_key_0123456789';

/** Runs the action node's execute() like n8n does and answers its only output. */
export async function runNode(options: ExecuteOptions): Promise<INodeExecutionData[]> {
  const node = new WhatsAppBridge();
  const [output] = await node.execute.call(executeContext(options));
  return output;
}
