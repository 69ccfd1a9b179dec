import { loadConfig } from '../config.ts';
import { createDatabase } from './client.ts';
import { migrate } from './migrate.ts';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the PGlite data in DATA_DIR. */
const config = loadConfig();
const database = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await migrate(database);
  process.stdout.write(`Migrations applied (${database.kind}).\n`);
} finally {
  await database.close();
}
