import { Pencil, Trash2 } from 'lucide-react';
import { type KeyboardEvent, useState } from 'react';
import { Link } from 'wouter';
import type { Chat } from '../../../protocol/api.ts';
import { deleteChat, renameChat } from '../state/chat-editing.ts';
import { useChatStore } from '../state/store.ts';

type Mode = 'view' | 'rename' | 'confirm-delete';

export function ChatListItem({ chat }: { chat: Chat }) {
  const active = useChatStore((state) => state.openChatId === chat.id);
  const live = useChatStore((state) => state.live[chat.id] !== undefined);
  const [mode, setMode] = useState<Mode>('view');
  const [title, setTitle] = useState(chat.title);

  const saveTitle = () => {
    const trimmed = title.trim();
    setMode('view');
    if (trimmed && trimmed !== chat.title) {
      void renameChat(chat.id, trimmed.slice(0, 200));
    }
  };

  const onRenameKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      saveTitle();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setMode('view');
    }
  };

  if (mode === 'rename') {
    return (
      <li className="chat-item editing">
        <input
          aria-label="Chat title"
          // biome-ignore lint/a11y/noAutofocus: the person just asked to rename this chat
          autoFocus
          value={title}
          maxLength={200}
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={onRenameKey}
          onBlur={saveTitle}
        />
      </li>
    );
  }

  if (mode === 'confirm-delete') {
    return (
      <li className="chat-item confirming">
        <span className="confirm-text">Delete “{chat.title}”?</span>
        <div className="confirm-actions">
          <button type="button" className="button small danger" onClick={() => void deleteChat(chat.id)}>
            Delete
          </button>
          <button
            type="button"
            className="button small"
            // biome-ignore lint/a11y/noAutofocus: cancelling is the safe default
            autoFocus
            onClick={() => setMode('view')}
          >
            Cancel
          </button>
        </div>
      </li>
    );
  }

  return (
    <li className={active ? 'chat-item active' : 'chat-item'}>
      <Link href={`/chat/${chat.id}`} aria-current={active ? 'page' : undefined} className="chat-link">
        {live && <span className="live-dot" title="Answering" />}
        <span className="chat-link-title">{chat.title}</span>
        {live && <span className="sr-only"> (answering)</span>}
      </Link>
      <div className="chat-item-actions">
        <button
          type="button"
          className="icon-button small"
          aria-label={`Rename “${chat.title}”`}
          title="Rename"
          onClick={() => {
            setTitle(chat.title);
            setMode('rename');
          }}
        >
          <Pencil aria-hidden="true" />
        </button>
        <button
          type="button"
          className="icon-button small"
          aria-label={`Delete “${chat.title}”`}
          title="Delete"
          onClick={() => setMode('confirm-delete')}
        >
          <Trash2 aria-hidden="true" />
        </button>
      </div>
    </li>
  );
}
