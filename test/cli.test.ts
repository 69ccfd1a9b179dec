import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { spawnParley } from './helpers/spawn-parley.ts';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, '../server/src/cli.ts');

test('the operator CLI creates, lists and revokes keys that the server honours', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-cli-'));
  const { DATABASE_URL: _serverDatabase, ...inherited } = process.env;
  const env = { ...inherited, DATA_DIR: dataDir };
  const parley = (...args: string[]) => run(process.execPath, [cli, ...args], { env });
  try {
    const created = JSON.parse(
      (await parley('keys', 'create', '--owner', 'user:ops', '--name', 'deploy')).stdout,
    ) as {
      id: string;
      key: string;
    };
    assert.match(created.key, /^pk-/);
    const listed = (await parley('keys', 'list', '--owner', 'user:ops')).stdout;
    assert.ok(listed.includes(created.id) && !listed.includes(created.key));
    await assert.rejects(parley('keys', 'create', '--owner', 'nobody'), /--owner must be/);

    const server = await spawnParley({
      DATA_DIR: dataDir,
      DEMO_TOKENS_PER_SECOND: '0',
      DEMO_FIRST_TOKEN_DELAY_MS: '0',
    });
    try {
      const client = new OpenAI({ apiKey: created.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'demo',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 3,
      });
      assert.equal(completion.usage?.completion_tokens, 3);
    } finally {
      await server.stop();
    }
    assert.equal(
      (await parley('keys', 'revoke', '--owner', 'user:ops', '--id', created.id)).stdout,
      'revoked\n',
    );
    await assert.rejects(
      parley('keys', 'revoke', '--owner', 'user:ops', '--id', created.id),
      /No such active key/,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
