import { toast } from 'sonner';
import { navigate } from 'wouter/use-browser-location';
import { toApiError } from '../api/api-error.ts';
import { parleyApi } from '../api/parley-api.ts';
import { unfollowChat } from './answer-stream.ts';
import { errorText } from './error-text.ts';
import { forgetChatModel } from './model-choice.ts';
import { getState, setState, upsertChat } from './store.ts';

function showError(error: unknown): void {
  const apiError = toApiError(error);
  setState({ banner: { code: apiError.code, text: errorText(apiError.code, apiError.message) } });
}

export async function renameChat(chatId: string, title: string): Promise<void> {
  const before = getState().chats.find((chat) => chat.id === chatId);
  if (!before || before.title === title) {
    return;
  }
  // The sidebar shows the new title at once; the server's answer (or the old title on failure) replaces it.
  setState((state) => ({
    chats: state.chats.map((chat) => (chat.id === chatId ? { ...chat, title } : chat)),
  }));
  try {
    upsertChat(await parleyApi.renameChat(chatId, title));
  } catch (error) {
    upsertChat(before);
    showError(error);
  }
}

/** Takes a chat off the page, whether this tab deleted it or the control channel said another one did. */
export function dropChat(chatId: string, deletedElsewhere: boolean): void {
  unfollowChat(chatId);
  forgetChatModel(chatId);
  setState((state) => ({ chats: state.chats.filter((chat) => chat.id !== chatId) }));
  if (getState().openChatId === chatId) {
    setState({ openChatId: null, thread: [], threadStatus: 'empty' });
    navigate('/chat', { replace: true });
    if (deletedElsewhere) {
      toast('This chat was deleted on another tab or device.');
    }
  }
}

export async function deleteChat(chatId: string): Promise<void> {
  try {
    await parleyApi.deleteChat(chatId);
  } catch (error) {
    if (toApiError(error).code !== 'NOT_FOUND') {
      showError(error);
      return;
    }
  }
  dropChat(chatId, false);
}
