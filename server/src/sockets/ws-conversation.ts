import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { WsSendFrame, type WsServerFrame } from '../../../protocol/control.ts';
import { AppError } from '../app-error.ts';
import type { Principal } from '../auth/principal.ts';
import { UNTITLED_CHAT_TITLE } from '../db/schema.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import { resolveSocketPrincipal } from './handshake-auth.ts';
import type { MessageRateLimit } from './message-rate-limit.ts';
import { createPayloadValidator } from './payload-validator.ts';
import type { SocketDeps } from './socket-deps.ts';
import { toClientError } from './socket-errors.ts';
import { streamWsAnswer } from './ws-answer.ts';

const validateSend = createPayloadValidator(WsSendFrame, 'message');
const WELCOME = 'Connected to chat server';

/**
 * One `/ws` connection (seed 002): the principal from `?token=` or `?anonId=` (or a new anonymous one), then
 * each `{message}` answered in the connection's chat, created by the first one. Frames are handled in order;
 * an answer streams while the next frames (a cancel) are read.
 */
export function openWsConversation(
  ws: WebSocket,
  request: IncomingMessage,
  deps: SocketDeps,
  rateLimit: MessageRateLimit,
): void {
  const connectionId = deps.newId();
  const reading = new AbortController();
  let chatId: string | undefined;
  let answering: string | undefined;

  function send(frame: WsServerFrame): void {
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
    }
  }
  function sendError(error: unknown): AppError {
    const appError = toClientError(error, deps.logger, '/ws request failed');
    send({ type: 'error', message: appError.message, code: appError.code });
    return appError;
  }

  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const principal = openPrincipal(query, deps).then(
    ({ principal, announcedAnonId }) => {
      send({ type: 'system', message: WELCOME, ...(announcedAnonId && { anonId: announcedAnonId }) });
      return principal;
    },
    (error: unknown) => {
      const refused = sendError(error);
      // 1008 (policy violation) for bad credentials; 1011 when the server could not check them.
      ws.close(refused.status < 500 ? 1008 : 1011, refused.code);
      return undefined;
    },
  );

  async function handle(data: Buffer, owner: Principal): Promise<void> {
    if (!(await rateLimit(connectionId))) {
      throw new AppError('RATE_LIMITED');
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch (cause) {
      throw new AppError('INVALID_JSON', { message: 'The message is not valid JSON.', cause });
    }
    if ((frame as { type?: unknown } | null)?.type === 'cancel') {
      if (answering) {
        await deps.generations.cancel(owner.id, answering);
      }
      return;
    }
    const { message, model } = validateSend(frame);
    if (message.trim() === '') {
      throw new AppError('VALIDATION_FAILED', { message: 'The message is empty.', field: 'message' });
    }
    if (answering) {
      throw new AppError('GENERATION_IN_PROGRESS');
    }
    if (model !== undefined && !(await deps.models.resolve(model))) {
      throw new AppError('MODEL_NOT_FOUND', { message: `No model "${model}".`, field: 'model' });
    }
    chatId ??= await createChat(owner.id, model ?? deps.defaultModel);
    send({ type: 'user', message, chatId });
    send({ type: 'typing', message: 'AI is typing...' });
    const handle = await deps.generations.send(owner.id, chatId, {
      content: message,
      ...(model !== undefined && { model }),
    });
    answering = handle.streamId;
    const messages = deps.repositories.messages;
    const opened = handle.read
      ? Promise.resolve(handle.read)
      : openGenerationStream(
          { streamLog: deps.streamLog, messages },
          owner.id,
          handle.streamId,
          undefined,
          chatId,
        );
    void opened
      .then((read) => streamWsAnswer({ read, handle, signal: reading.signal, send }))
      .catch(sendError)
      .finally(() => {
        answering = undefined;
      });
  }

  async function createChat(ownerId: string, model: string): Promise<string> {
    const chat = await deps.repositories.chats.createChat({
      id: deps.newId(),
      ownerId,
      title: UNTITLED_CHAT_TITLE,
      model,
      now: deps.now(),
    });
    deps.notifications.notify({ type: 'chat_created', ownerId, chat });
    return chat.id;
  }

  let queue: Promise<unknown> = principal;
  ws.on('message', (data: Buffer) => {
    queue = queue.then(async () => {
      const owner = await principal;
      if (owner) {
        await handle(data, owner).catch(sendError);
      }
    });
  });
  // The answer goes on and is saved; only this connection's reading of it stops.
  ws.on('close', () => reading.abort());
}

async function openPrincipal(
  query: URLSearchParams,
  deps: SocketDeps,
): Promise<{ principal: Principal; announcedAnonId?: string }> {
  const token = query.get('token') ?? undefined;
  const anonId = query.get('anonId') ?? undefined;
  if (token !== undefined || anonId !== undefined) {
    return { principal: await resolveSocketPrincipal(deps.auth, { token, anonId }) };
  }
  const announcedAnonId = deps.newId();
  return { principal: await deps.auth.resolve({ anonId: announcedAnonId }), announcedAnonId };
}
