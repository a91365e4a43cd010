import Router from '@koa/router';
import type { AppState } from '../../../appState.ts';
import { apiKeyService } from '../../../services/apiKeyService.ts';
import { contactQuery } from '../../../contacts/contactQuery.ts';
import { authenticate, organizationOf, requireOrganization } from '../../middleware/auth.ts';
import { queryOf } from '../../validate.ts';
import { listContactsQuery } from './schemas.ts';

/** GET /v1/contacts: the organization's contacts, cursor paged. */
export function contactsRouter(state: AppState): Router {
  const contacts = contactQuery(state.models);
  const router = new Router({ prefix: '/v1/contacts' });
  router.use(authenticate(apiKeyService(state.models), state.config.adminKey), requireOrganization());

  router.get('/', async (ctx) => {
    const query = queryOf(ctx, listContactsQuery);
    ctx.body = await contacts.list(organizationOf(ctx), query);
  });

  return router;
}
