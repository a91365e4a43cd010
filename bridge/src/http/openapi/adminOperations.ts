import { z } from 'zod';
import { createApiKeyBody, createOrganizationBody, deadLettersQuery, replayDeadLettersBody } from '../routes/admin/schemas.ts';
import { apiKeyResponse, deadLettersResponse, organizationResponse, replayedResponse } from '../routes/admin/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/** routes/admin/router.ts: the admin key (BRIDGE_ADMIN_KEY) only. */

// The route does not parse these: an id that cannot exist is answered 404.
const organizationParams = z.object({ id: z.string() });
const apiKeyParams = z.object({ id: z.string() });

const Organization = component('Organization', organizationResponse, 'A new organization and its first API key (shown only here).');
const ApiKey = component('ApiKey', apiKeyResponse, 'A new API key (shown only here; stored as a hash).');

export const adminOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/admin/organizations',
    operationId: 'createOrganization',
    tag: 'Admin',
    summary: 'Create an organization',
    description: 'Creates the organization with a first key named `default`.',
    access: 'admin',
    body: createOrganizationBody,
    responses: { 201: { description: 'Created; `apiKey` is shown only now.', json: Organization } },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/admin/organizations/:id/api-keys',
    operationId: 'createApiKey',
    tag: 'Admin',
    summary: "Issue an organization's API key",
    access: 'admin',
    params: organizationParams,
    parameterDescriptions: { id: "The organization's id." },
    body: createApiKeyBody,
    responses: { 201: { description: 'Issued; `apiKey` is shown only now.', json: ApiKey } },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/v1/admin/api-keys/:id',
    operationId: 'revokeApiKey',
    tag: 'Admin',
    summary: 'Revoke an API key',
    access: 'admin',
    params: apiKeyParams,
    parameterDescriptions: { id: "The key's id (from its creation)." },
    responses: { 204: { description: 'Revoked: the key is refused from now on.' } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/admin/dead-letters',
    operationId: 'listDeadLetters',
    tag: 'Admin',
    summary: 'List dead letters',
    description: 'Inbound writes (messages, status changes, edits, contacts) that gave up after all their attempts, newest first.',
    access: 'admin',
    query: deadLettersQuery,
    responses: { 200: { description: 'The first `limit` dead letters and how many there are.', json: component('DeadLetters', deadLettersResponse) } },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/admin/dead-letters/replay',
    operationId: 'replayDeadLetters',
    tag: 'Admin',
    summary: 'Replay dead letters',
    description: 'Puts the named dead letters (all of them without `ids`) back on the inbound queue.',
    access: 'admin',
    body: replayDeadLettersBody,
    responses: { 200: { description: 'How many went back on the queue.', json: component('Replayed', replayedResponse) } },
    errors: [],
  },
];
