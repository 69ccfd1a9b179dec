import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startFakeOllama } from '../../../../test/fakes/fake-ollama-server.ts';
import type { FakeScenario, FakeUpstream } from '../../../../test/fakes/fake-upstream.ts';
import { AppError } from '../../app-error.ts';
import { defaultProviderTimeouts } from '../provider-errors.ts';
import { listOllamaModels, type PullProgress, pullOllamaModel } from './ollama-models.ts';

const fakes: FakeUpstream[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

async function setup(scenario: FakeScenario = {}) {
  const fake = await startFakeOllama(scenario);
  fakes.push(fake);
  return { fake, options: { host: fake.url, timeouts: { ...defaultProviderTimeouts, connectMs: 200 } } };
}

async function drain(
  progress: AsyncIterable<PullProgress>,
): Promise<{ lines: PullProgress[]; error: unknown }> {
  const lines: PullProgress[] = [];
  try {
    for await (const line of progress) {
      lines.push(line);
    }
    return { lines, error: undefined };
  } catch (error) {
    return { lines, error };
  }
}

describe('Ollama models', () => {
  test('lists the installed models from /api/tags', async () => {
    const { options } = await setup();
    assert.deepEqual(await listOllamaModels(options), [
      { name: 'llama3.2:latest', sizeBytes: 2019393189, parameterSize: '3.2B', quantization: 'Q4_K_M' },
      { name: 'qwen2.5-coder:7b', sizeBytes: 4683087332, parameterSize: '7.6B', quantization: 'Q4_K_M' },
    ]);
  });

  test('listing an unreachable Ollama fails with PROVIDER_UNAVAILABLE', async () => {
    const { fake, options } = await setup();
    await fake.close();
    await assert.rejects(listOllamaModels(options), { code: 'PROVIDER_UNAVAILABLE' });
  });

  test('a pull yields its progress and ends with success', async () => {
    const { fake, options } = await setup();
    const { lines, error } = await drain(pullOllamaModel(options, 'llama3.2', new AbortController().signal));
    assert.equal(error, undefined);
    const digest = 'sha256:dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff';
    assert.deepEqual(lines, [
      { status: 'pulling manifest' },
      { status: 'pulling dde5aa3fc5ff', digest, total: 2019377376 },
      { status: 'pulling dde5aa3fc5ff', digest, total: 2019377376, completed: 241970 },
      { status: 'pulling dde5aa3fc5ff', digest, total: 2019377376, completed: 1009688688 },
      { status: 'pulling dde5aa3fc5ff', digest, total: 2019377376, completed: 2019377376 },
      { status: 'verifying sha256 digest' },
      { status: 'writing manifest' },
      { status: 'success' },
    ]);
    assert.deepEqual(fake.requests[0]?.body, { model: 'llama3.2', stream: true });
  });

  test('a pull of an unknown model fails with MODEL_NOT_FOUND after its first progress', async () => {
    const { options } = await setup({ fixture: 'ollama-pull-error' });
    const { lines, error } = await drain(
      pullOllamaModel(options, 'no-such-model', new AbortController().signal),
    );
    assert.deepEqual(lines, [{ status: 'pulling manifest' }]);
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'MODEL_NOT_FOUND');
  });

  test('a pull cut short fails with PROVIDER_DISCONNECTED', async () => {
    const { options } = await setup({ fixture: 'ollama-pull', dropAfterChunks: 3 });
    const { lines, error } = await drain(pullOllamaModel(options, 'llama3.2', new AbortController().signal));
    assert.equal(lines.length, 3);
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'PROVIDER_DISCONNECTED');
  });

  test('aborting a pull closes the request', async () => {
    const { fake, options } = await setup({ fixture: 'ollama-pull', interTokenDelayMs: 50 });
    const controller = new AbortController();
    const { lines, error } = await drain(
      (async function* () {
        for await (const line of pullOllamaModel(options, 'llama3.2', controller.signal)) {
          controller.abort();
          yield line;
        }
      })(),
    );
    assert.equal(lines.length, 1);
    assert.equal((error as Error).name, 'AbortError');
    assert.equal((await fake.requests[0]?.closed)?.finished, false);
  });
});
