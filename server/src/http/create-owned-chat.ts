import { AppError } from '../app-error.ts';
import type { ChatRecord } from '../db/repository.ts';
import { UNTITLED_CHAT_TITLE } from '../db/schema.ts';
import type { RouteDeps } from './route-deps.ts';

/** Creates a chat for its owner, checking the model first, and tells the owner's other tabs. */
export async function createOwnedChat(
  deps: RouteDeps,
  ownerId: string,
  input: { title?: string | undefined; model?: string | undefined; modelField?: string },
): Promise<ChatRecord> {
  const model = input.model ?? deps.defaultModel;
  if (!(await deps.models.resolve(model))) {
    throw new AppError('MODEL_NOT_FOUND', {
      message: `No model "${model}".`,
      field: input.modelField ?? 'model',
    });
  }
  const chat = await deps.repositories.chats.createChat({
    id: deps.newId(),
    ownerId,
    title: input.title ?? UNTITLED_CHAT_TITLE,
    model,
    now: deps.now(),
  });
  deps.generations.chatCreated(chat);
  deps.notifications.notify({ type: 'chat_created', ownerId, chat });
  return chat;
}
