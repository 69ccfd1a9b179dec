import type { Chat } from '../../../protocol/api.ts';
import type { ControlChat } from '../../../protocol/control.ts';
import { connectControlSocket } from '../api/control-socket.ts';
import { announceAnswerEnd } from './answer-notices.ts';
import { isFollowing } from './answer-stream.ts';
import { dropChat } from './chat-editing.ts';
import { loadChats, syncThread } from './chat-loading.ts';
import { errorText } from './error-text.ts';
import { getState, setLive, setState, upsertChat } from './store.ts';

function fromControl(chat: ControlChat): Chat {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    createdAt: chat.created_at,
    updatedAt: chat.updated_at,
  };
}

/**
 * Wires the control channel into the store: presence, usage, the chat list, and answers starting or ending
 * anywhere. Everything it brings can also be had over REST, so the page works, less live, without it.
 */
export function startControlSync(): () => void {
  const socket = connectControlSocket();
  let everConnected = false;

  socket.on('connect', () => {
    setState({ controlConnected: true, reachable: true });
    // After a gap the server could not bridge, what happened meanwhile comes from REST.
    if (everConnected && !socket.recovered) {
      void loadChats().catch(() => undefined);
      const { openChatId, live } = getState();
      if (openChatId && live[openChatId] === undefined) {
        void syncThread(openChatId);
      }
    }
    everConnected = true;
  });
  socket.on('disconnect', () => setState({ controlConnected: false, presence: null }));
  socket.on('connect_error', () => setState({ controlConnected: false }));
  socket.on('presence', ({ connections }) => setState({ presence: connections }));
  socket.on('usage_info', (usage) => setState({ usage }));
  socket.on('chat_created', ({ chat }) => upsertChat(fromControl(chat)));
  socket.on('chat_updated', ({ chat }) => upsertChat(fromControl(chat)));
  socket.on('chat_deleted', ({ chat_id }) => dropChat(chat_id, true));
  socket.on('stream_started', ({ chat_id, stream_id }) => {
    const { live, openChatId } = getState();
    if (isFollowing(stream_id) || live[chat_id] === 'pending') {
      return;
    }
    setLive(chat_id, stream_id);
    if (openChatId === chat_id) {
      void syncThread(chat_id);
    }
  });
  socket.on('stream_ended', ({ chat_id, stream_id, status }) => {
    if (!isFollowing(stream_id) && getState().live[chat_id] === stream_id) {
      setLive(chat_id, undefined);
    }
    if (!isFollowing(stream_id)) {
      announceAnswerEnd(chat_id, stream_id, status);
    }
  });
  socket.on('assistant_error', ({ code, error }) =>
    setState({ banner: { code, text: errorText(code, error) } }),
  );

  return () => {
    socket.disconnect();
  };
}
