import type {
  CancelResult,
  Chat,
  ChatPage,
  ChatWithMessages,
  EditMessageBody,
  MessageVersions,
  ModelList,
  RegenerateBody,
  SendMessageBody,
} from '../../../protocol/api.ts';
import { getAnonId } from './anon-id.ts';
import { readApiError, toApiError } from './api-error.ts';

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-anon-id': getAnonId(), ...extra };
}

/** A request that must succeed: a non-2xx answer or a network failure throws an ApiError. */
async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: headers(init.headers as Record<string, string>) });
  } catch (error) {
    if (init.signal?.aborted) {
      throw error;
    }
    throw toApiError(error);
  }
  if (!response.ok) {
    throw await readApiError(response);
  }
  return response;
}

const json = (body: unknown, signal?: AbortSignal): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  ...(signal && { signal }),
});

async function read<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await call(path, init)).json()) as T;
}

/** The native REST + SSE API, typed with the shared protocol. Streams come back as raw responses. */
export const parleyApi = {
  listModels: () => read<ModelList>('/api/models'),
  listChats: (cursor?: string) =>
    read<ChatPage>(`/api/chats?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  getChat: (chatId: string) => read<ChatWithMessages>(`/api/chats/${chatId}`),
  createChat: (model: string) => read<Chat>('/api/chats', json({ model })),
  renameChat: (chatId: string, title: string) =>
    read<Chat>(`/api/chats/${chatId}`, { ...json({ title }), method: 'PATCH' }),
  deleteChat: async (chatId: string) => {
    await call(`/api/chats/${chatId}`, { method: 'DELETE' });
  },
  listVersions: (chatId: string, messageId: string) =>
    read<MessageVersions>(`/api/chats/${chatId}/messages/${messageId}/versions`),
  cancel: (streamId: string) => read<CancelResult>(`/api/streams/${streamId}/cancel`, { method: 'POST' }),
  send: (chatId: string, body: SendMessageBody, signal: AbortSignal) =>
    call(`/api/chats/${chatId}/messages`, json(body, signal)),
  edit: (chatId: string, messageId: string, body: EditMessageBody, signal: AbortSignal) =>
    call(`/api/chats/${chatId}/messages/${messageId}/edit`, json(body, signal)),
  regenerate: (chatId: string, messageId: string, body: RegenerateBody, signal: AbortSignal) =>
    call(`/api/chats/${chatId}/messages/${messageId}/regenerate`, json(body, signal)),
  resume: (streamId: string, lastEventId: string | undefined, signal: AbortSignal) =>
    call(`/api/streams/${streamId}`, {
      signal,
      ...(lastEventId && { headers: { 'last-event-id': lastEventId } }),
    }),
  /** Pulls a model into Ollama; the answer streams `{status, completed?, total?}` progress events. */
  loadModel: (model: string, signal: AbortSignal) => call('/api/models/load', json({ model }, signal)),
};
