import { type ChatState, getState, saveModelChoice, useChatStore } from './store.ts';

const newChatKey = 'new';

/** The model a chat sends with: the one picked for it, else the one it last used, else the server's default. */
export function selectChatModel(state: ChatState, chatId: string | null): string {
  const available = (id: string | undefined) =>
    id !== undefined && (!state.modelsLoaded || state.models.some((model) => model.id === id));
  const picked = state.modelChoice[chatId ?? newChatKey];
  const used = chatId ? state.chats.find((chat) => chat.id === chatId)?.model : undefined;
  return [picked, used].find(available) ?? state.defaultModel;
}

export function useChatModel(chatId: string | null): string {
  return useChatStore((state) => selectChatModel(state, chatId));
}

export function chooseModel(chatId: string | null, modelId: string): void {
  saveModelChoice({ ...getState().modelChoice, [chatId ?? newChatKey]: modelId });
}

/** A new chat keeps the model picked for it before it existed; the next new chat starts with it too. */
export function adoptNewChatModel(chatId: string): void {
  const { modelChoice } = getState();
  const picked = modelChoice[newChatKey];
  if (picked !== undefined) {
    saveModelChoice({ ...modelChoice, [chatId]: picked });
  }
}

export function forgetChatModel(chatId: string): void {
  const { [chatId]: _, ...rest } = getState().modelChoice;
  saveModelChoice(rest);
}
