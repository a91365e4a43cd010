import { listContactsQuery } from '../routes/contacts/schemas.ts';
import { contactPageResponse, contactResponse } from '../routes/contacts/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/** routes/contacts/router.ts. */

component('Contact', contactResponse, 'A WhatsApp contact as one session sees it.');

export const contactsOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/contacts',
    operationId: 'listContacts',
    tag: 'Contacts',
    summary: 'List contacts',
    description: "The organization's contacts (or one session's), in a stable order, cursor paged.",
    access: 'organization',
    query: listContactsQuery,
    parameterDescriptions: { cursor: '`pagination.nextCursor` of the previous page, as is.' },
    responses: { 200: { description: 'A page of contacts.', json: component('ContactPage', contactPageResponse) } },
    errors: [],
  },
];
