import { sql } from 'drizzle-orm';
import { createApiKeyRepository } from './api-key-repository.ts';
import { createChatRepository } from './chat-repository.ts';
import type { Database } from './client.ts';
import { createMessageRepository } from './message-repository.ts';
import type { Repositories } from './repository.ts';
import { withDatabaseErrors } from './with-database-errors.ts';

/** The repositories over either driver; a database that cannot answer fails their calls with SERVICE_UNAVAILABLE. */
export function createRepositories(database: Database): Repositories {
  const health = withDatabaseErrors({
    async ping() {
      await database.db.execute(sql`SELECT 1`);
    },
  });
  return {
    chats: withDatabaseErrors(createChatRepository(database.db)),
    messages: withDatabaseErrors(createMessageRepository(database.db, database.lazyCommitDb)),
    apiKeys: withDatabaseErrors(createApiKeyRepository(database.db)),
    ping: health.ping,
    close: () => database.close(),
  };
}
