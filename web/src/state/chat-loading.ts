import type { Message } from '../../../protocol/api.ts';
import { toApiError } from '../api/api-error.ts';
import { parleyApi } from '../api/parley-api.ts';
import { announceAnswerEnd } from './answer-notices.ts';
import { followStream, isFollowing } from './answer-stream.ts';
import { errorText } from './error-text.ts';
import { getState, setState, sortChats, type UiMessage, upsertChat, versionsKeyOf } from './store.ts';

function showLoadError(error: unknown, retry: () => void): void {
  const apiError = toApiError(error);
  setState({
    ...(apiError.code === 'NETWORK' && { reachable: false }),
    banner: { code: apiError.code, text: errorText(apiError.code, apiError.message), retry },
  });
}

function clearLoadError(): void {
  const { banner } = getState();
  setState({ reachable: true, ...(banner?.retry && !banner.transient && { banner: null }) });
}

export async function loadModels(): Promise<void> {
  const { models, defaultModel, canPull } = await parleyApi.listModels();
  setState({ models, defaultModel, canPull, modelsLoaded: true });
}

/** The first page of the sidebar, or the next one after `cursor`. */
export async function loadChats(cursor?: string): Promise<void> {
  const page = await parleyApi.listChats(cursor);
  setState((state) => {
    const known = cursor ? state.chats : state.chats.filter((chat) => chat.id === state.openChatId);
    const ids = new Set(page.chats.map((chat) => chat.id));
    return {
      chats: sortChats([...known.filter((chat) => !ids.has(chat.id)), ...page.chats]),
      chatsCursor: page.nextCursor,
      chatsLoaded: true,
    };
  });
}

/** Everything the page needs on start; also what Retry does when the server was unreachable. */
export async function loadApp(): Promise<void> {
  try {
    await Promise.all([loadModels(), loadChats()]);
    const { openChatId, threadStatus } = getState();
    if (openChatId && threadStatus !== 'ready') {
      await syncThread(openChatId);
    }
    clearLoadError();
  } catch (error) {
    showLoadError(error, () => void loadApp());
  }
}

export function openChat(chatId: string): void {
  const state = getState();
  if (state.openChatId === chatId && state.threadStatus !== 'missing') {
    return;
  }
  setState({ openChatId: chatId, threadStatus: 'loading', thread: [] });
  void syncThread(chatId);
}

export function openNewChat(): void {
  setState({ openChatId: null, threadStatus: 'empty', thread: [] });
}

/**
 * Loads the open chat from the server and follows its answers still streaming: after a reload, or when
 * another tab started one. Answers this tab is reading keep their local text.
 */
export async function syncThread(chatId: string): Promise<void> {
  let loaded: { messages: Message[] };
  try {
    const { chat, messages } = await parleyApi.getChat(chatId);
    upsertChat(chat);
    loaded = { messages };
  } catch (error) {
    if (getState().openChatId !== chatId) {
      return;
    }
    if (toApiError(error).code === 'NOT_FOUND') {
      setState({ threadStatus: 'missing', thread: [] });
    } else {
      showLoadError(error, () => void syncThread(chatId));
    }
    return;
  }
  if (getState().openChatId !== chatId) {
    return;
  }
  clearLoadError();
  setState((state) => {
    const messages: Record<string, UiMessage> = { ...state.messages };
    for (const message of loaded.messages) {
      if (!isFollowing(message.id)) {
        messages[message.id] = message;
      }
    }
    return { messages, thread: loaded.messages.map((message) => message.id), threadStatus: 'ready' };
  });
  for (const message of loaded.messages) {
    if (message.status === 'streaming') {
      followStream(chatId, message.id, (answerId) => announceAnswerEnd(chatId, answerId));
    }
  }
  const lastAnswer = loaded.messages.findLast((message) => message.role === 'assistant');
  if (lastAnswer) {
    void loadVersions(chatId, lastAnswer.id);
  }
}

/** Fetches every version of an answer, so the pager can show them; keeps showing the one on screen. */
export async function loadVersions(chatId: string, answerId: string): Promise<void> {
  const { versions } = await parleyApi.listVersions(chatId, answerId).catch(() => ({ versions: [] }));
  const promptId = versions[0]?.parentId;
  if (!promptId || versions.length < 2) {
    return;
  }
  setState((state) => {
    const messages = { ...state.messages };
    for (const version of versions) {
      if (!isFollowing(version.id)) {
        messages[version.id] = version;
      }
    }
    const ids = versions.map((version) => version.id);
    const shown = ids.indexOf(answerId);
    return {
      messages,
      versions: { ...state.versions, [promptId]: { ids, shown: shown === -1 ? ids.length - 1 : shown } },
    };
  });
}

export function showVersion(key: string, shown: number): void {
  setState((state) => {
    const versions = state.versions[key];
    return versions ? { versions: { ...state.versions, [key]: { ...versions, shown } } } : {};
  });
}

/**
 * Shows version `shown` (0-based) of a thread message. The thread carries only each message's count and
 * place, so the versions themselves are fetched on the first page turn.
 */
export async function pageVersion(message: Message, shown: number): Promise<void> {
  const key = versionsKeyOf(message);
  if (getState().versions[key]) {
    showVersion(key, shown);
    return;
  }
  const { versions } = await parleyApi
    .listVersions(message.chatId, message.id)
    .catch(() => ({ versions: [] }));
  if (versions.length < 2 || !versions[shown]) {
    return;
  }
  setState((state) => {
    const messages = { ...state.messages };
    for (const version of versions) {
      if (!isFollowing(version.id)) {
        messages[version.id] = version;
      }
    }
    return {
      messages,
      versions: { ...state.versions, [key]: { ids: versions.map((version) => version.id), shown } },
    };
  });
}
