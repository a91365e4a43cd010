import Router from '@koa/router';
import type { ContactQuery } from '../../../contacts/contactQuery.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { queryOf } from '../../validate.ts';
import { listContactsQuery } from './schemas.ts';

/** GET /v1/contacts: the organization's contacts, cursor paged. */
export function contactsRouter({ authenticate, contacts }: { authenticate: Authenticate; contacts: ContactQuery }): Router {
  const router = new Router({ prefix: '/v1/contacts' });
  router.use(authenticate, requireOrganization());

  router.get('/', async (ctx) => {
    const query = queryOf(ctx, listContactsQuery);
    ctx.body = await contacts.list(organizationOf(ctx), query);
  });

  return router;
}
