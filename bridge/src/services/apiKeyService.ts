import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Models } from '../models/index.ts';
import { notFound } from '../errors.ts';

export const API_KEY_PREFIX = 'wab_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface IssuedKey {
  id: string;
  organizationId: string;
  name: string;
  apiKey: string;
  createdAt: string;
}

export interface Caller {
  organizationId: string;
  keyId: string;
}

/** Organizations and their API keys: keys are shown once, stored only as SHA-256 hashes. */
export function apiKeyService(models: Models) {
  async function issueKey(organizationId: string, name: string): Promise<IssuedKey> {
    if (!Types.ObjectId.isValid(organizationId) || !(await models.Organization.exists({ _id: organizationId }))) {
      throw notFound('organization_not_found', `No organization ${organizationId}`);
    }
    const apiKey = newApiKey();
    const doc = await models.ApiKey.create({
      organizationId: new Types.ObjectId(organizationId),
      name,
      hash: hashApiKey(apiKey),
      prefix: apiKey.slice(0, 10),
    });
    return { id: doc._id.toString(), organizationId, name, apiKey, createdAt: doc.createdAt.toISOString() };
  }

  return {
    issueKey,

    async createOrganization(name: string) {
      const org = await models.Organization.create({ name });
      const key = await issueKey(org._id.toString(), 'default');
      return { id: org._id.toString(), name: org.name, apiKey: key.apiKey, createdAt: org.createdAt.toISOString() };
    },

    async revokeKey(keyId: string): Promise<void> {
      if (!Types.ObjectId.isValid(keyId)) throw notFound('api_key_not_found', `No API key ${keyId}`);
      const result = await models.ApiKey.updateOne({ _id: keyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
      if (result.matchedCount === 0 && !(await models.ApiKey.exists({ _id: keyId }))) {
        throw notFound('api_key_not_found', `No API key ${keyId}`);
      }
    },

    /** The organization a presented key belongs to, or null when unknown or revoked. */
    async authenticate(presented: string): Promise<Caller | null> {
      if (!presented.startsWith(API_KEY_PREFIX) || presented.length > 200) return null;
      const key = await models.ApiKey.findOne({ hash: hashApiKey(presented) }, { organizationId: 1, revokedAt: 1 }).lean();
      if (!key || key.revokedAt) return null;
      return { organizationId: key.organizationId.toString(), keyId: key._id.toString() };
    },
  };
}

export type ApiKeyService = ReturnType<typeof apiKeyService>;
