import { z } from 'zod';
import { displayName } from '../../schemas.ts';

export const createOrganizationBody = z.object({ name: displayName }).strict();
export const createApiKeyBody = z.object({ name: displayName }).strict();
