import {
  channelPostBody,
  groupAddBody,
  groupBody,
  groupJid,
  historySyncBody,
  inboundBody,
  linkedProfileBody,
  phoneNumber,
  receiptBody,
  scanBody,
  textBody,
} from '../routes/sandbox/router.ts';
import { sessionParams } from '../routes/sessions/schemas.ts';
import {
  sandboxChannelPostResponse,
  sandboxGroupMessageResponse,
  sandboxGroupResponse,
  sandboxHistorySyncResponse,
  sandboxInboundResponse,
  sandboxLinkedProfileResponse,
  sandboxParticipantsResponse,
  sandboxPhoneLogoutResponse,
  sandboxReceiptResponse,
  sandboxReceivedResponse,
  sandboxScanResponse,
  sandboxStatusResponse,
} from '../routes/sandbox/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/**
 * routes/sandbox/router.ts, mounted only with WA_SANDBOX=true: act as the simulated phone and
 * contacts of a session (docs/sandbox.md). Most need the session connected to the simulator (409
 * `session_not_connected` otherwise).
 */

const contactParams = sessionParams.extend({ phoneNumber });
const groupParams = sessionParams.extend({ jid: groupJid });
const names = {
  name: "The session's name.",
  phoneNumber: "The simulated contact's number (digits, country code first).",
  jid: 'The group JID (`…@g.us`).',
};

const Group = component('SandboxGroup', sandboxGroupResponse, 'A simulated group and its participants.');

function sandboxOperation(op: Omit<Operation, 'tag' | 'access' | 'sandboxOnly' | 'params' | 'method'> & Partial<Pick<Operation, 'params' | 'method'>>): Operation {
  return { method: 'post', params: sessionParams, tag: 'Sandbox', access: 'organization', sandboxOnly: true, parameterDescriptions: names, ...op };
}

export const sandboxOperations: Operation[] = [
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/scan',
    operationId: 'sandboxScan',
    summary: "Scan the session's QR code with a simulated phone",
    body: scanBody,
    responses: { 201: { description: 'Scanned; the session connects.', json: component('SandboxScan', sandboxScanResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/messages',
    operationId: 'sandboxSendFromContact',
    summary: 'A contact sends the session something',
    description: 'A text, or other traffic by `kind` (edit, revoke, reaction, poll, vote, undecryptable); `text`, `messageId`, `emoji` or `options` as the kind needs.',
    body: inboundBody,
    responses: { 201: { description: 'Sent to the session.', json: component('SandboxInbound', sandboxInboundResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    method: 'get',
    path: '/v1/sandbox/sessions/:name/contacts/:phoneNumber/messages',
    operationId: 'sandboxContactReceived',
    summary: 'What a contact received from the session',
    params: contactParams,
    responses: { 200: { description: 'The messages, oldest first.', json: component('SandboxReceived', sandboxReceivedResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/receipts',
    operationId: 'sandboxSendReceipt',
    summary: 'A contact acknowledges a message (delivered or read)',
    body: receiptBody,
    responses: { 200: { description: 'The receipt went out.', json: component('SandboxReceipt', sandboxReceiptResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/phone-logout',
    operationId: 'sandboxPhoneLogout',
    summary: 'The phone unlinks the session',
    responses: { 200: { description: 'Unlinked; the session is logged out.', json: component('SandboxPhoneLogout', sandboxPhoneLogoutResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/history-sync',
    operationId: 'sandboxHistorySync',
    summary: 'The phone sends a history sync',
    body: historySyncBody,
    responses: { 201: { description: 'Sent.', json: component('SandboxHistorySync', sandboxHistorySyncResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/groups',
    operationId: 'sandboxCreateGroup',
    summary: "Create a group with the session's phone in it",
    body: groupBody,
    responses: { 201: { description: 'Created.', json: Group } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/groups/:jid/messages',
    operationId: 'sandboxGroupMessage',
    summary: 'A participant writes in a group',
    params: groupParams,
    body: textBody,
    responses: { 201: { description: 'Sent.', json: component('SandboxGroupMessage', sandboxGroupMessageResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/groups/:jid/participants',
    operationId: 'sandboxAddParticipants',
    summary: 'Add participants to a group',
    params: groupParams,
    body: groupAddBody,
    responses: { 200: { description: 'The group after the change.', json: component('SandboxParticipants', sandboxParticipantsResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/status',
    operationId: 'sandboxPostStatus',
    summary: 'A contact posts a status',
    body: textBody,
    responses: { 201: { description: 'Posted.', json: component('SandboxStatus', sandboxStatusResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/channel-posts',
    operationId: 'sandboxChannelPost',
    summary: 'A channel (newsletter) the session follows posts',
    body: channelPostBody,
    responses: { 201: { description: 'Posted.', json: component('SandboxChannelPost', sandboxChannelPostResponse) } },
    errors: [404, 409],
  }),
  sandboxOperation({
    path: '/v1/sandbox/sessions/:name/linked-profiles',
    operationId: 'sandboxLinkedProfile',
    summary: "The phone shares a contact's phone number and LID",
    body: linkedProfileBody,
    responses: { 201: { description: 'Sent.', json: component('SandboxLinkedProfile', sandboxLinkedProfileResponse) } },
    errors: [404, 409],
  }),
];
