import { SquarePen, X } from 'lucide-react';
import { useMemo } from 'react';
import { Link } from 'wouter';
import type { Chat } from '../../../protocol/api.ts';
import { loadChats } from '../state/chat-loading.ts';
import { useChatStore } from '../state/store.ts';
import { ChatListItem } from './chat-list-item.tsx';
import { ConnectionStatus } from './connection-status.tsx';

const dayMs = 24 * 60 * 60 * 1000;

function groupByAge(chats: Chat[], now: Date): { label: string; chats: Chat[] }[] {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const groups = [
    { label: 'Today', from: today, chats: [] as Chat[] },
    { label: 'Yesterday', from: today - dayMs, chats: [] as Chat[] },
    { label: 'Previous 7 days', from: today - 7 * dayMs, chats: [] as Chat[] },
    { label: 'Previous 30 days', from: today - 30 * dayMs, chats: [] as Chat[] },
    { label: 'Older', from: Number.NEGATIVE_INFINITY, chats: [] as Chat[] },
  ];
  for (const chat of chats) {
    const time = Date.parse(chat.updatedAt);
    groups.find((group) => time >= group.from)?.chats.push(chat);
  }
  return groups.filter((group) => group.chats.length > 0);
}

export function Sidebar({ open, onClose }: { open: boolean; onClose: () => void }) {
  const chats = useChatStore((state) => state.chats);
  const loaded = useChatStore((state) => state.chatsLoaded);
  const cursor = useChatStore((state) => state.chatsCursor);
  const groups = useMemo(() => groupByAge(chats, new Date()), [chats]);

  return (
    <>
      {open && <div className="scrim" aria-hidden="true" onClick={onClose} />}
      <aside className={open ? 'sidebar open' : 'sidebar'} aria-label="Chats">
        <div className="sidebar-top">
          <Link href="/chat" className="brand" aria-label="Parley, new chat">
            <span className="brand-mark" aria-hidden="true" />
            <span>Parley</span>
          </Link>
          <Link href="/chat" className="icon-button" aria-label="New chat" title="New chat">
            <SquarePen aria-hidden="true" />
          </Link>
          <button
            type="button"
            className="icon-button mobile-only"
            aria-label="Close the chat list"
            onClick={onClose}
          >
            <X aria-hidden="true" />
          </button>
        </div>
        {/* Picking a chat closes the drawer on a phone, even the chat already open. */}
        {/* biome-ignore lint/a11y/useKeyWithClickEvents: the links inside handle keys; this only listens */}
        <nav
          className="chat-list"
          aria-label="Chat history"
          onClick={(event) => (event.target as HTMLElement).closest('a') && onClose()}
        >
          {loaded && chats.length === 0 && <p className="chat-list-empty">Your chats will appear here.</p>}
          {groups.map((group) => (
            <section key={group.label} aria-labelledby={`group-${group.label}`}>
              <h2 id={`group-${group.label}`}>{group.label}</h2>
              <ul>
                {group.chats.map((chat) => (
                  <ChatListItem key={chat.id} chat={chat} />
                ))}
              </ul>
            </section>
          ))}
          {cursor && (
            <button type="button" className="text-button show-more" onClick={() => void loadChats(cursor)}>
              Show older chats
            </button>
          )}
        </nav>
        <ConnectionStatus />
      </aside>
    </>
  );
}
