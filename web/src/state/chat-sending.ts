import { navigate } from 'wouter/use-browser-location';
import { newUuid } from '../api/anon-id.ts';
import type { ApiError, ClientErrorCode } from '../api/api-error.ts';
import { toApiError } from '../api/api-error.ts';
import { parleyApi } from '../api/parley-api.ts';
import { announceAnswerEnd } from './answer-notices.ts';
import { streamAnswer } from './answer-stream.ts';
import { loadChats, loadVersions } from './chat-loading.ts';
import { errorText } from './error-text.ts';
import { adoptNewChatModel, selectChatModel } from './model-choice.ts';
import {
  getState,
  patchMessage,
  renameMessage,
  setState,
  type UiMessage,
  upsertChat,
  versionsKeyOf,
} from './store.ts';

function draft(fields: Pick<UiMessage, 'id' | 'chatId' | 'role' | 'content' | 'model'>): UiMessage {
  return {
    status: fields.role === 'assistant' ? 'streaming' : 'complete',
    parentId: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    errorCode: null,
    cached: false,
    createdAt: new Date().toISOString(),
    versionCount: 1,
    versionIndex: 1,
    ...fields,
  };
}

function showError(error: ApiError, retry?: () => void): void {
  setState({
    ...(error.code === 'NETWORK' && { reachable: false }),
    banner: { code: error.code, text: errorText(error.code, error.message), ...(retry && { retry }) },
  });
}

function afterAnswer(chatId: string, answerId: string, retry: () => void): void {
  const { controlConnected, messages } = getState();
  // Without the control channel the sidebar would not hear of the title the first message gave the chat.
  if (!controlConnected) {
    void loadChats().catch(() => undefined);
  }
  const answer = messages[answerId];
  if (answer?.status === 'error' && getState().openChatId === chatId) {
    const code = (answer.errorCode as ClientErrorCode | null) ?? 'INTERNAL';
    setState({ banner: { code, text: errorText(code), retry } });
  }
  announceAnswerEnd(chatId, answerId);
}

/** Sends a message from the composer; on the new chat page the chat is created first. */
export function sendMessage(content: string): void {
  const chatId = getState().openChatId;
  const model = selectChatModel(getState(), chatId);
  const clientMessageId = newUuid();
  setState((state) => ({
    banner: null,
    messages: {
      ...state.messages,
      [clientMessageId]: draft({ id: clientMessageId, chatId: chatId ?? '', role: 'user', content, model }),
    },
    thread: [...state.thread, clientMessageId],
    ...(!chatId && { threadStatus: 'ready' as const }),
  }));
  void deliver({ chatId, content, model, clientMessageId });
}

async function deliver(params: {
  chatId: string | null;
  content: string;
  model: string;
  clientMessageId: string;
}) {
  const { content, model, clientMessageId } = params;
  let { chatId } = params;
  if (!chatId) {
    try {
      const chat = await parleyApi.createChat(model);
      chatId = chat.id;
      upsertChat(chat);
      adoptNewChatModel(chat.id);
      setState({ openChatId: chat.id });
      patchMessage(clientMessageId, { chatId });
      navigate(`/chat/${chat.id}`);
    } catch (error) {
      patchMessage(clientMessageId, { delivery: 'failed' });
      showError(toApiError(error), () => {
        patchMessage(clientMessageId, { delivery: 'sending' });
        setState({ banner: null });
        void deliver(params);
      });
      return;
    }
  }
  startSend({ chatId, content, model, clientMessageId });
}

/**
 * Posts the message and reads its answer. A retry posts the same `clientMessageId`, so a POST that did reach
 * the server attaches to the answer it started instead of asking twice.
 */
function startSend(params: {
  chatId: string;
  content: string;
  model: string;
  clientMessageId: string;
}): void {
  const { chatId, content, model, clientMessageId } = params;
  const answerId = `pending-${clientMessageId}`;
  let userId = clientMessageId;
  const retry = () => {
    patchMessage(userId, { delivery: 'sending' });
    setState({ banner: null });
    startSend(params);
  };
  setState((state) => ({
    messages: {
      ...state.messages,
      [answerId]: draft({ id: answerId, chatId, role: 'assistant', content: '', model }),
      [userId]: { ...(state.messages[userId] as UiMessage), delivery: 'sending' },
    },
    thread: [...state.thread.filter((id) => id !== answerId), answerId],
  }));
  void streamAnswer({
    chatId,
    answerId,
    open: (signal) => parleyApi.send(chatId, { content, model, clientMessageId }, signal),
    onStart: (data) => {
      setState((state) => {
        const { [userId]: user, ...messages } = state.messages;
        if (!user) {
          return {};
        }
        const { delivery: _, ...saved } = user;
        return {
          messages: { ...messages, [data.userMessageId]: { ...saved, id: data.userMessageId } },
          thread: state.thread.map((id) => (id === userId ? data.userMessageId : id)),
        };
      });
      userId = data.userMessageId;
    },
    onFailed: (error) => {
      patchMessage(userId, { delivery: 'failed' });
      setState((state) => ({ thread: state.thread.filter((id) => id !== answerId) }));
      showError(error, retry);
    },
    onEnd: (finalId) => afterAnswer(chatId, finalId, () => void regenerate(chatId, finalId)),
  });
}

/**
 * Sends `content` as a new version of the user message `editedId`, which the thread shows at `threadId`
 * (the same message, or another version of it on screen). As in ChatGPT the thread is cut there: the edit
 * and its streaming answer replace that message and everything after it.
 */
export function editMessage(params: {
  chatId: string;
  threadId: string;
  editedId: string;
  content: string;
}): void {
  const { chatId, threadId, editedId, content } = params;
  const state = getState();
  const edited = state.messages[editedId];
  const position = state.thread.indexOf(threadId);
  if (!edited || position === -1 || state.live[chatId]) {
    return;
  }
  const model = selectChatModel(state, chatId);
  const key = versionsKeyOf(edited);
  const token = newUuid();
  let userId = `edit-${token}`;
  const answerId = `pending-${token}`;
  const count = (state.versions[key]?.ids.length ?? edited.versionCount) + 1;
  const before = { thread: state.thread, versions: state.versions };
  setState((current) => {
    // Versions are fetched again on the next page turn, with the edit among them.
    const { [key]: _, ...versions } = current.versions;
    return {
      banner: null,
      messages: {
        ...current.messages,
        [userId]: {
          ...draft({ id: userId, chatId, role: 'user', content, model }),
          parentId: edited.parentId,
          versionCount: count,
          versionIndex: count,
        },
        [answerId]: draft({ id: answerId, chatId, role: 'assistant', content: '', model }),
      },
      thread: [...current.thread.slice(0, position), userId, answerId],
      versions,
    };
  });
  void streamAnswer({
    chatId,
    answerId,
    open: (signal) => parleyApi.edit(chatId, editedId, { content, model }, signal),
    onStart: (data) => {
      renameMessage(userId, data.userMessageId);
      userId = data.userMessageId;
    },
    onFailed: (error) => {
      setState(before);
      showError(error, () => editMessage(params));
    },
    onEnd: (finalId) => afterAnswer(chatId, finalId, () => void regenerate(chatId, finalId)),
  });
}

/** Streams a new version of an answer; the pager then shows it as the newest of the prompt's versions. */
export async function regenerate(chatId: string, answerId: string): Promise<void> {
  const state = getState();
  const answer = state.messages[answerId];
  const promptId = answer?.parentId;
  if (!answer || !promptId || state.live[chatId]) {
    return;
  }
  const model = selectChatModel(state, chatId);
  const placeholder = `pending-${newUuid()}`;
  const before = state.versions[promptId];
  const ids = before ? before.ids : [answerId];
  setState((current) => ({
    banner: null,
    messages: {
      ...current.messages,
      [placeholder]: draft({ id: placeholder, chatId, role: 'assistant', content: '', model }),
    },
    thread: current.thread.map((id) => (id === answerId ? placeholder : id)),
    versions: { ...current.versions, [promptId]: { ids: [...ids, placeholder], shown: ids.length } },
  }));
  patchMessage(placeholder, { parentId: promptId });
  await streamAnswer({
    chatId,
    answerId: placeholder,
    open: (signal) => parleyApi.regenerate(chatId, answerId, { model }, signal),
    onStart: (data) =>
      setState((current) => {
        const versions = current.versions[promptId];
        return versions
          ? {
              versions: {
                ...current.versions,
                [promptId]: {
                  ...versions,
                  ids: versions.ids.map((id) => (id === placeholder ? data.messageId : id)),
                },
              },
            }
          : {};
      }),
    onFailed: (error) => {
      setState((current) => ({
        thread: current.thread.map((id) => (id === placeholder ? answerId : id)),
        versions: before
          ? { ...current.versions, [promptId]: before }
          : Object.fromEntries(Object.entries(current.versions).filter(([id]) => id !== promptId)),
      }));
      showError(error, () => void regenerate(chatId, answerId));
    },
    onEnd: (finalId) => {
      afterAnswer(chatId, finalId, () => void regenerate(chatId, finalId));
      void loadVersions(chatId, finalId);
    },
  });
}
