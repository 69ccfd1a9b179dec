import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateApiKey } from './auth/api-keys.ts';
import { loadConfig } from './config.ts';
import { createDatabase } from './db/client.ts';
import { createRepositories } from './db/create-repositories.ts';
import { migrate } from './db/migrate.ts';

const usage = `Usage: npm run parley -- <command>

  keys create --owner <principal> [--name <name>]   create an API key; prints it once
  keys list --owner <principal>                     list a principal's keys
  keys revoke --owner <principal> --id <key id>     revoke a key

A principal is user:<sub> (the sub of its JWT) or anon:<uuid>. The database is the server's:
DATABASE_URL, or the embedded one in DATA_DIR (stop the server first: PGlite allows one process).`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    owner: { type: 'string' },
    name: { type: 'string' },
    id: { type: 'string' },
    help: { type: 'boolean' },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

const [group, command] = positionals;
if (values.help || group !== 'keys' || !command) {
  fail(values.help ? '' : 'Unknown command.');
}
const owner = values.owner;
if (!owner || !/^(user:.+|anon:[0-9a-f-]{36})$/i.test(owner)) {
  fail('--owner must be user:<sub> or anon:<uuid>.');
}

const config = loadConfig();
const database = await createDatabase({
  ...(config.databaseUrl && { databaseUrl: config.databaseUrl }),
  dataDir: config.dataDir,
});
try {
  await migrate(database);
  const { apiKeys } = createRepositories(database);
  if (command === 'create') {
    const { key, keyHash, prefix } = generateApiKey();
    const created = await apiKeys.createKey({
      id: randomUUID(),
      ownerId: owner,
      name: values.name ?? 'API key',
      prefix,
      keyHash,
      now: new Date(),
    });
    process.stdout.write(`${JSON.stringify({ ...created, key })}\n`);
  } else if (command === 'list') {
    for (const key of await apiKeys.listKeys(owner)) {
      process.stdout.write(`${JSON.stringify(key)}\n`);
    }
  } else if (command === 'revoke') {
    if (!values.id || !(await apiKeys.revokeKey(owner, values.id, new Date()))) {
      fail('No such active key for that owner.');
    }
    process.stdout.write('revoked\n');
  } else {
    fail(`Unknown keys command "${command}".`);
  }
} finally {
  await database.close();
}
