import type { Chat, Message } from '../../../protocol/api.ts';
import type { ChatRecord, VersionedMessage } from '../db/repository.ts';

export function toApiChat(chat: ChatRecord): Chat {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
  };
}

export function toApiMessage(message: VersionedMessage): Message {
  return {
    id: message.id,
    chatId: message.chatId,
    role: message.role,
    content: message.content,
    status: message.status,
    model: message.model,
    parentId: message.parentId,
    finishReason: message.finishReason,
    inputTokens: message.inputTokens,
    outputTokens: message.outputTokens,
    errorCode: message.errorCode,
    cached: message.cached,
    createdAt: message.createdAt.toISOString(),
    versionCount: message.versionCount,
    versionIndex: message.versionIndex,
  };
}
