import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorCode } from '../../../protocol/errors.ts';
import { collectEvents, streamEvents, textEvents } from '../../../test/fakes/collect-events.ts';
import { fakeToken } from '../../../test/fakes/fake-upstream.ts';
import type { ProviderHarness } from '../../../test/fakes/provider-harness.ts';
import { AppError } from '../app-error.ts';
import type { ModelRequest } from './provider.ts';

export interface ProviderFailureSetup {
  /** The provider's fake upstream and its adapter pointed at it. */
  setup: ProviderHarness;
  /**
   * Chunks a generated answer sends before its first text: Anthropic's message_start, content_block_start and
   * ping; OpenAI's role chunk.
   */
  chunksBeforeText: number;
  /** Fixture names (server/src/providers/__fixtures__) for each failure. */
  fixtures: {
    /** One-response answers (`*.http.json`: errors, or JSON where a stream was asked for) and the code of each. */
    httpAnswers: Record<string, ErrorCode>;
    /** A 429 answer and its Retry-After seconds, for providers that rate-limit. */
    rateLimited?: { fixture: string; retryAfterSeconds: number };
    /** `Partial`, then an error event of the provider's own. */
    midStreamError: string;
    /** `Partial`, then a line cut short. */
    malformed: string;
    /** `Partial` and ` answer`, then the end of the body without the provider's final chunk. */
    disconnect: string;
    /** Reasoning streamed slowly, then the answer `Hello!`, and the usage the stream reports. */
    thinking: { fixture: string; usage: { inputTokens: number; outputTokens: number } };
  };
}

const request: ModelRequest = { model: 'test-model', messages: [{ role: 'user', content: 'Hi there' }] };

function assertCode(error: unknown, code: ErrorCode): AppError {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

/**
 * How every provider adapter fails, run against each one's fake upstream: HTTP errors become coded errors
 * before any event, a failure mid-stream keeps the text already streamed, each deadline has its timeout, and
 * cancel closes the upstream connection. Provider quirks stay in each adapter's own tests.
 */
export function providerFailureContract(name: string, input: ProviderFailureSetup): void {
  const { setup, chunksBeforeText, fixtures } = input;

  describe(`Provider failure contract: ${name}`, () => {
    describe('HTTP errors', () => {
      for (const [fixture, code] of Object.entries(fixtures.httpAnswers)) {
        test(`${fixture} becomes ${code}`, async () => {
          const { provider } = await setup({ fixture });
          const { events, error } = await collectEvents(provider, request);
          assert.deepEqual(events, []);
          assertCode(error, code);
        });
      }

      const { rateLimited } = fixtures;
      if (rateLimited) {
        test('429 carries Retry-After', async () => {
          const { provider } = await setup({ fixture: rateLimited.fixture });
          const { error } = await collectEvents(provider, request);
          const coded = assertCode(error, 'PROVIDER_RATE_LIMITED');
          assert.equal(coded.retryAfterSeconds, rateLimited.retryAfterSeconds);
        });
      }

      test('a refused connection becomes PROVIDER_UNAVAILABLE', async () => {
        const { fake, provider } = await setup({});
        await fake.close();
        assertCode((await collectEvents(provider, request)).error, 'PROVIDER_UNAVAILABLE');
      });
    });

    describe('mid-stream failures keep the text already streamed', () => {
      const cases = [
        [fixtures.midStreamError, 'PROVIDER_UNAVAILABLE', textEvents('Partial')],
        [fixtures.malformed, 'PROVIDER_BAD_RESPONSE', textEvents('Partial')],
        [fixtures.disconnect, 'PROVIDER_DISCONNECTED', textEvents('Partial', ' answer')],
      ] as const;
      for (const [fixture, code, expected] of cases) {
        test(`${fixture} becomes ${code}`, async () => {
          const { provider } = await setup({ fixture });
          const { events, error } = await collectEvents(provider, request);
          assert.deepEqual(events, expected);
          assertCode(error, code);
        });
      }

      test('a dropped connection becomes PROVIDER_DISCONNECTED', async () => {
        const { provider } = await setup({ tokens: 10, dropAfterChunks: chunksBeforeText + 2 });
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(events, textEvents(fakeToken(0), fakeToken(1)));
        assertCode(error, 'PROVIDER_DISCONNECTED');
      });
    });

    describe('timeouts', () => {
      test('streamed thinking is output: a long reasoning phase is no first-token timeout', async () => {
        const { provider } = await setup(
          { fixture: fixtures.thinking.fixture, interTokenDelayMs: 40 },
          { firstTokenMs: 100 },
        );
        assert.deepEqual(await streamEvents(provider, request), [
          ...textEvents('Hello!'),
          { type: 'usage', ...fixtures.thinking.usage },
          { type: 'finish', reason: 'stop' },
        ]);
      });

      test('no response headers in time', async () => {
        const { fake, provider } = await setup({ hang: true }, { connectMs: 100 });
        const started = performance.now();
        assertCode((await collectEvents(provider, request)).error, 'PROVIDER_TIMEOUT');
        assert.ok(performance.now() - started < 1000);
        assert.equal((await fake.requests[0]?.closed)?.finished, false);
      });

      test('no first token in time, whatever came before it', async () => {
        const { provider } = await setup(
          { tokens: 5, stallAfterChunks: chunksBeforeText },
          { firstTokenMs: 100 },
        );
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(events, []);
        assertCode(error, 'PROVIDER_TIMEOUT');
      });

      test('a steady answer that outlasts the idle timeout is not cut: every chunk resets it', async () => {
        const { provider } = await setup(
          { tokens: 10, interTokenDelayMs: 40 },
          { idleMs: 100, firstTokenMs: 200 },
        );
        const events = await streamEvents(provider, request);
        assert.equal(events.filter((event) => event.type === 'text').length, 10);
      });

      test('silence mid-answer', async () => {
        const { provider } = await setup(
          { tokens: 5, stallAfterChunks: chunksBeforeText + 2 },
          { idleMs: 100 },
        );
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(events, textEvents(fakeToken(0), fakeToken(1)));
        assertCode(error, 'PROVIDER_TIMEOUT');
      });
    });

    test('aborting the signal closes the upstream connection and rejects with its reason', async () => {
      const { fake, provider } = await setup({ tokens: 500, interTokenDelayMs: 10 });
      const controller = new AbortController();
      const reason = new Error('cancelled by the user');
      let seen = 0;
      let abortedAt = 0;
      await assert.rejects(async () => {
        for await (const event of provider.stream(request, controller.signal)) {
          if (event.type === 'text' && ++seen === 3) {
            abortedAt = performance.now();
            controller.abort(reason);
          }
        }
      }, reason);
      const closed = await fake.requests[0]?.closed;
      assert.equal(closed?.finished, false);
      assert.ok((closed?.at ?? Number.POSITIVE_INFINITY) - abortedAt < 100, 'upstream closed within 100 ms');
    });
  });
}
