import { create } from 'zustand';
import type { Chat, Message, ModelInfo } from '../../../protocol/api.ts';
import type { UsageInfo } from '../../../protocol/control.ts';
import type { ClientErrorCode } from '../api/api-error.ts';

/** A message as the UI holds it: the saved shape, plus how a just-typed user message is doing. */
export type UiMessage = Message & { delivery?: 'sending' | 'failed' };

export interface Banner {
  code: ClientErrorCode;
  text: string;
  /** What Retry does; no Retry button without it. */
  retry?: () => void;
  /** A banner that clears itself once the thing it is about recovers. */
  transient?: boolean;
}

/** The versions of one message (those sharing its parent and role), oldest first, and which one is on screen. */
export interface Versions {
  ids: string[];
  shown: number;
}

/** A model pull into Ollama (seed 002): it goes on while the model menu is closed. */
export type PullState =
  | { phase: 'idle' }
  | { phase: 'pulling'; model: string; status: string; completed?: number; total?: number }
  | { phase: 'failed'; message: string };

export interface ChatState {
  models: ModelInfo[];
  defaultModel: string;
  /** The server can pull models (it has an Ollama), so the picker offers to. */
  canPull: boolean;
  modelsLoaded: boolean;
  /** The sidebar: newest activity first. */
  chats: Chat[];
  chatsCursor: string | null;
  chatsLoaded: boolean;
  openChatId: string | null;
  threadStatus: 'empty' | 'loading' | 'ready' | 'missing';
  /** The open chat's messages, in order, by id. */
  thread: string[];
  /** Every message this tab knows, by id, so a stream keeps updating its answer while another chat is open. */
  messages: Record<string, UiMessage>;
  /** By the versions' parent: an answer's versions by their user message id, a user message's by the answer it follows (see versionsKeyOf). */
  versions: Record<string, Versions>;
  /** Chats with an answer running, and its stream id (`pending` until the server has started it). */
  live: Record<string, string>;
  /** True when the control channel is connected; `reachable` false once a request could not reach the server. */
  controlConnected: boolean;
  reachable: boolean;
  presence: number | null;
  usage: UsageInfo | null;
  banner: Banner | null;
  /** The model picked per chat id (`new` for a chat not created yet), kept across reloads. */
  modelChoice: Record<string, string>;
  pull: PullState;
}

const modelChoiceKey = 'parley.modelChoice';

function readModelChoice(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(modelChoiceKey) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function saveModelChoice(modelChoice: Record<string, string>): void {
  setState({ modelChoice });
  localStorage.setItem(modelChoiceKey, JSON.stringify(modelChoice));
}

export const useChatStore = create<ChatState>()(() => ({
  models: [],
  defaultModel: 'demo',
  canPull: false,
  modelsLoaded: false,
  chats: [],
  chatsCursor: null,
  chatsLoaded: false,
  openChatId: null,
  threadStatus: 'empty',
  thread: [],
  messages: {},
  versions: {},
  live: {},
  controlConnected: false,
  reachable: true,
  presence: null,
  usage: null,
  banner: null,
  modelChoice: readModelChoice(),
  pull: { phase: 'idle' },
}));

export const getState = useChatStore.getState;
export const setState = useChatStore.setState;

/** Where the store keeps the versions of `message`: their shared parent, or the chat for its first messages. */
export function versionsKeyOf(message: Pick<Message, 'parentId' | 'chatId'>): string {
  return message.parentId ?? `first:${message.chatId}`;
}

export function patchMessage(id: string, patch: Partial<UiMessage>): void {
  setState((state) => {
    const message = state.messages[id];
    return message ? { messages: { ...state.messages, [id]: { ...message, ...patch } } } : {};
  });
}

/** Renames a message the client made up (an optimistic one) to the id the server gave it. */
export function renameMessage(from: string, to: string, patch: Partial<UiMessage> = {}): void {
  if (from === to) {
    patchMessage(to, patch);
    return;
  }
  setState((state) => {
    const message = state.messages[from];
    if (!message) {
      return {};
    }
    const { [from]: _, ...rest } = state.messages;
    return {
      messages: { ...rest, [to]: { ...message, ...patch, id: to } },
      thread: state.thread.map((id) => (id === from ? to : id)),
    };
  });
}

export function sortChats(chats: Chat[]): Chat[] {
  return [...chats].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export function upsertChat(chat: Chat): void {
  setState((state) => ({
    chats: sortChats([chat, ...state.chats.filter((existing) => existing.id !== chat.id)]),
  }));
}

export function setLive(chatId: string, streamId: string | undefined): void {
  setState((state) => {
    const { [chatId]: _, ...rest } = state.live;
    return { live: streamId === undefined ? rest : { ...rest, [chatId]: streamId } };
  });
}
