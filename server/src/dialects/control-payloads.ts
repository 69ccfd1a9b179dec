import type { ControlChat, ControlMessage, UsageInfo } from '../../../protocol/control.ts';
import type { ChatRecord, MessageRecord, MessageRepository } from '../db/repository.ts';

export function toControlChat(chat: ChatRecord): ControlChat {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    created_at: chat.createdAt.toISOString(),
    updated_at: chat.updatedAt.toISOString(),
  };
}

export function toControlMessage(message: MessageRecord): ControlMessage {
  return {
    id: message.id,
    chat_id: message.chatId,
    role: message.role,
    content: message.content,
    status: message.status,
    model: message.model,
    parent_id: message.parentId,
    created_at: message.createdAt.toISOString(),
  };
}

/** The owner's usage of the UTC day that `now` falls in. */
export async function getUsageInfo(
  messages: Pick<MessageRepository, 'getUsageSince'>,
  ownerId: string,
  now: Date,
): Promise<UsageInfo> {
  const startOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const usage = await messages.getUsageSince(ownerId, startOfDay);
  return {
    messages_today: usage.messages,
    input_tokens_today: usage.inputTokens,
    output_tokens_today: usage.outputTokens,
  };
}
