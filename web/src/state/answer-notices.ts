import { toast } from 'sonner';
import { navigate } from 'wouter/use-browser-location';
import type { MessageStatus } from '../../../protocol/events.ts';
import { errorText } from './error-text.ts';
import { getState } from './store.ts';

// Both this tab's own stream and the control channel report an end; say it once.
const announced = new Set<string>();

const endings: Partial<Record<MessageStatus, string>> = {
  complete: 'Answer ready',
  cancelled: 'Answer stopped',
  error: 'Answer failed',
  interrupted: 'Answer interrupted',
};

/**
 * The "job finished" notice of seed 000: when an answer ends in a chat that is not on screen, or while the
 * tab is in the background, say so, with a way to open it.
 */
export function announceAnswerEnd(chatId: string, answerId: string, ended?: MessageStatus): void {
  if (announced.has(answerId)) {
    return;
  }
  announced.add(answerId);
  const state = getState();
  const status = ended ?? state.messages[answerId]?.status ?? 'complete';
  const title = state.chats.find((chat) => chat.id === chatId)?.title ?? 'a chat';
  if (state.openChatId === chatId && !document.hidden) {
    return;
  }
  const errorCode = state.messages[answerId]?.errorCode;
  toast(endings[status] ?? 'Answer finished', {
    id: answerId,
    description: status === 'error' && errorCode ? `${title}: ${errorText(errorCode)}` : title,
    action: { label: 'Open', onClick: () => navigate(`/chat/${chatId}`) },
  });
}
