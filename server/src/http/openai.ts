import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import type { StreamEvent } from '../../../protocol/events.ts';
import {
  type ChatCompletionMessage,
  ChatCompletionRequest,
  type OpenAIModelList,
} from '../../../protocol/openai.ts';
import { AppError } from '../app-error.ts';
import { collectOpenAICompletion, createOpenAIChunkRenderer } from '../dialects/openai-chunks.ts';
import { toOpenAIError } from '../dialects/openai-errors.ts';
import type { CompleteInput } from '../generation/generation-service.ts';
import { streamKeyOf } from '../generation/stream-key.ts';
import type { ChatTurn } from '../providers/provider.ts';
import { toClientError } from './error-handler.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { sendEventStream } from './sse-response.ts';

const startedAt = Math.floor(Date.now() / 1000);

/**
 * The OpenAI-compatible surface (seed 000): `/v1/chat/completions` and `/v1/models` in OpenAI's wire format,
 * errors included. Requests run as ordinary generations. Unlike the native API, a client that disconnects
 * cancels its answer, as OpenAI clients expect when they abort.
 */
export async function registerOpenAIRoutes(app: TypedApp, deps: RouteDeps): Promise<void> {
  await app.register(async (scope) => {
    const v1 = scope.withTypeProvider<TypeBoxTypeProvider>();
    v1.setErrorHandler((error: FastifyError, request, reply) => {
      const clientError = toClientError(error);
      if (clientError.status >= 500) {
        request.log.error({ err: error }, 'request failed');
      }
      const { status, body } = toOpenAIError(clientError);
      void reply.code(status).send(body);
    });

    v1.get('/v1/models', { schema: { tags: ['openai'] } }, async (request): Promise<OpenAIModelList> => {
      await requirePrincipal(deps, request);
      const models = await deps.models.list();
      return {
        object: 'list',
        data: models.map((model) => ({
          id: model.id,
          object: 'model',
          created: startedAt,
          owned_by: model.provider,
        })),
      };
    });

    v1.post(
      '/v1/chat/completions',
      { schema: { tags: ['openai'], summary: 'OpenAI Chat Completions', body: ChatCompletionRequest } },
      async (request, reply) => {
        const principal = await requirePrincipal(deps, request);
        const body = request.body;
        const input = toCompleteInput(body);
        const handle = await deps.generations.complete(principal.id, input);
        const context = {
          id: `chatcmpl-${handle.streamId}`,
          created: Math.floor(deps.now().getTime() / 1000),
          model: input.model ?? deps.defaultModel,
        };
        // This request started the answer, so it reads the answer as this process appends it: nothing is looked
        // up or read back from the log before the first byte.
        const key = streamKeyOf({ ownerId: principal.id, chatId: handle.chatId, streamId: handle.streamId });
        const read = handle.read ?? ((signal: AbortSignal) => deps.streamLog.read(key, undefined, signal));

        if (body.stream) {
          const render = createOpenAIChunkRenderer({
            ...context,
            includeUsage: body.stream_options?.include_usage === true,
          });
          const completed = await sendEventStream(
            reply,
            read,
            (logged) => render(logged.event),
            deps.metrics,
          );
          if (!completed) {
            await deps.generations.cancel(principal.id, handle.streamId);
          }
          return;
        }

        const gone = new AbortController();
        reply.raw.on('close', () => gone.abort());
        const events: StreamEvent[] = [];
        for await (const logged of read(gone.signal)) {
          events.push(logged.event);
        }
        if (gone.signal.aborted && events.at(-1)?.type !== 'end') {
          await deps.generations.cancel(principal.id, handle.streamId);
          return;
        }
        const completion = collectOpenAICompletion(context, events);
        if (completion instanceof AppError) {
          throw completion;
        }
        return completion;
      },
    );
  });
}

function toCompleteInput(body: ChatCompletionRequest): CompleteInput {
  const messages = body.messages ?? [];
  const system = messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map(textOf)
    .join('\n\n');
  const turns: ChatTurn[] = messages.flatMap((message): ChatTurn[] =>
    message.role === 'user' || message.role === 'assistant'
      ? [{ role: message.role, content: textOf(message) }]
      : [],
  );
  if (body.prompt !== undefined) {
    turns.push({ role: 'user', content: body.prompt });
  }
  if (turns.length === 0) {
    throw new AppError('VALIDATION_FAILED', { message: 'Send messages (or a prompt).', field: 'messages' });
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    messages: turns,
    ...(body.chat_id !== undefined && { chatId: body.chat_id }),
    ...(body.model !== undefined && { model: body.model }),
    ...(system !== '' && { system }),
    ...(body.temperature != null && { temperature: body.temperature }),
    ...(body.top_p != null && { topP: body.top_p }),
    ...(maxTokens != null && { maxTokens }),
    ...(stop !== undefined && stop.length > 0 && { stop }),
    ...(body.seed != null && { seed: body.seed }),
  };
}

function textOf(message: ChatCompletionMessage): string {
  if (typeof message.content === 'string') {
    return message.content;
  }
  return (message.content ?? []).map((part) => part.text).join('');
}
