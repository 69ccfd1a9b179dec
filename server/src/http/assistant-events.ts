import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorResponse, IdParams } from '../../../protocol/api.ts';
import {
  RegenerateAssistantMessageBody,
  SendAssistantMessageBody,
} from '../../../protocol/assistant-events.ts';
import { AppError } from '../app-error.ts';
import { formatAssistantFrame } from '../dialects/assistant-frames.ts';
import { getUsageInfo, toControlMessage } from '../dialects/control-payloads.ts';
import type { GenerationHandle } from '../generation/generation-service.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import { createOwnedChat } from './create-owned-chat.ts';
import { emptyBodyAsObject } from './empty-body.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { sendSseFrames } from './sse-response.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const eventStream = { 200: { description: 'text/event-stream of assistant_* events and usage_info' } };
const TEST_MESSAGES = 5;
const TEST_INTERVAL_MS = 200;

/** Seed 003's message API, over the same generations as the native one. */
export function registerAssistantEventRoutes(app: TypedApp, deps: RouteDeps): void {
  /** Streams one generation as seed 003's events; `replaces` marks a regeneration. */
  function streamAnswer(ownerId: string, handle: GenerationHandle, replaces?: string) {
    return async function* (signal: AbortSignal): AsyncGenerator<string> {
      const read =
        handle.read ??
        (await openGenerationStream(
          { streamLog: deps.streamLog, messages: deps.repositories.messages },
          ownerId,
          handle.streamId,
          undefined,
          handle.chatId,
        ));
      for await (const { id, event } of read(signal)) {
        if (event.type === 'start') {
          const started = { chat_id: event.data.chatId, message_id: event.data.messageId };
          yield replaces === undefined
            ? formatAssistantFrame('assistant_typing', { ...started, model: event.data.model }, id)
            : formatAssistantFrame('assistant_regenerating', { ...started, replaces }, id);
        } else if (event.type === 'text') {
          yield formatAssistantFrame('assistant_delta', { delta: event.data.text }, id);
        } else if (event.type === 'error') {
          yield formatAssistantFrame(
            'assistant_error',
            { code: event.data.code, error: event.data.message },
            id,
          );
        } else if (event.type === 'end') {
          const saved = await deps.repositories.messages.getMessage(ownerId, handle.streamId);
          if (saved && (event.data.status === 'complete' || event.data.status === 'cancelled')) {
            const name = replaces === undefined ? 'assistant_complete' : 'assistant_regenerated';
            yield formatAssistantFrame(name, toControlMessage(saved), id);
          }
          yield formatAssistantFrame(
            'usage_info',
            await getUsageInfo(deps.repositories.messages, ownerId, deps.now()),
          );
          return;
        }
      }
    };
  }

  app.post(
    '/api/v1/messages/send',
    {
      schema: {
        tags: ['seed 003'],
        summary: 'Send a message; the answer streams back as assistant_* events',
        body: SendAssistantMessageBody,
        response: { ...eventStream, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const { chat_id, model, content, temperature, max_tokens, system } = request.body;
      const chatId = chat_id ?? (await createOwnedChat(deps, principal.id, { model })).id;
      const handle = await deps.generations.send(principal.id, chatId, {
        content,
        ...(model !== undefined && { model }),
        ...(temperature !== undefined && { temperature }),
        ...(max_tokens !== undefined && { maxTokens: max_tokens }),
        ...(system !== undefined && { system }),
      });
      await sendSseFrames(reply, streamAnswer(principal.id, handle), deps.metrics);
    },
  );

  app.post(
    '/api/v1/messages/:id/regenerate',
    {
      schema: {
        tags: ['seed 003'],
        summary: 'Regenerate an answer: assistant_regenerating, deltas, then assistant_regenerated',
        params: IdParams,
        body: RegenerateAssistantMessageBody,
        response: { ...eventStream, ...errors },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const message = await deps.repositories.messages.getMessage(principal.id, request.params.id);
      if (!message) {
        throw new AppError('NOT_FOUND', { message: 'No such message.' });
      }
      const handle = await deps.generations.regenerate(
        principal.id,
        message.chatId,
        message.id,
        request.body,
      );
      await sendSseFrames(reply, streamAnswer(principal.id, handle, message.id), deps.metrics);
    },
  );

  // Seed 003 shows both `curl -X POST` and `new EventSource(...)` (a GET) against the test endpoint.
  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/api/v1/messages/test-sse',
      schema: { tags: ['seed 003'], summary: 'A short SSE stream to check that events get through' },
      handler: async (_request, reply) => {
        await sendSseFrames(
          reply,
          async function* (signal) {
            for (let counter = 1; counter <= TEST_MESSAGES; counter++) {
              yield formatAssistantFrame('test_message', { counter, message: `Test message ${counter}` });
              await sleep(TEST_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
              if (signal.aborted) {
                return;
              }
            }
            yield formatAssistantFrame('test_complete', { message: 'SSE test completed' });
          },
          deps.metrics,
        );
      },
    });
  }
}
