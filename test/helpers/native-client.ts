import type { ChatWithMessages } from '../../protocol/api.ts';
import { json } from './start-parley.ts';
import { waitFor } from './wait-for.ts';

/** Fetches a chat with its messages as its owner. */
export async function getChat(
  url: string,
  headers: Record<string, string>,
  chatId: string,
): Promise<ChatWithMessages> {
  const response = await fetch(`${url}/api/chats/${chatId}`, { headers });
  if (response.status !== 200) {
    throw new Error(`get chat: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as ChatWithMessages;
}

/** Waits until the answer `messageId` is no longer streaming, and returns it as saved. */
export async function waitForSavedAnswer(
  url: string,
  headers: Record<string, string>,
  chatId: string,
  messageId: string,
): Promise<ChatWithMessages['messages'][number]> {
  return waitFor(async () => {
    const { messages } = await getChat(url, headers, chatId);
    const answer = messages.find((message) => message.id === messageId);
    return answer && answer.status !== 'streaming' ? answer : undefined;
  });
}

export function sendMessage(
  url: string,
  headers: Record<string, string>,
  chatId: string,
  body: object,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/api/chats/${chatId}/messages`, { ...json(body, headers), ...(signal && { signal }) });
}

export function resumeStream(
  url: string,
  headers: Record<string, string>,
  streamId: string,
  lastEventId?: string,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/api/streams/${streamId}`, {
    headers: { ...headers, ...(lastEventId !== undefined && { 'last-event-id': lastEventId }) },
    ...(signal && { signal }),
  });
}
