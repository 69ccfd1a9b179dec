import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { ApiKeyRecord, ApiKeyRepository } from './repository.ts';
import { apiKeys } from './schema.ts';

const publicColumns = {
  id: apiKeys.id,
  ownerId: apiKeys.ownerId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
};

export function createApiKeyRepository(db: Db): ApiKeyRepository {
  return {
    async createKey({ id, ownerId, name, prefix, keyHash, now }) {
      await db.insert(apiKeys).values({ id, ownerId, name, prefix, keyHash, createdAt: now });
      const key: ApiKeyRecord = { id, ownerId, name, prefix, createdAt: now, revokedAt: null };
      return key;
    },

    async listKeys(ownerId) {
      return db
        .select(publicColumns)
        .from(apiKeys)
        .where(eq(apiKeys.ownerId, ownerId))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    },

    async revokeKey(ownerId, keyId, now) {
      const revoked = await db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.ownerId, ownerId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return revoked.length > 0;
    },

    async findActiveKey(keyHash) {
      const [key] = await db
        .select(publicColumns)
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
      return key;
    },
  };
}
