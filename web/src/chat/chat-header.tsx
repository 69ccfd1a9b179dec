import { Menu, SquarePen } from 'lucide-react';
import { useEffect } from 'react';
import { Link } from 'wouter';
import { useChatStore } from '../state/store.ts';
import { ModelPicker } from './model-picker.tsx';

export function ChatHeader({ chatId, onOpenSidebar }: { chatId: string | null; onOpenSidebar: () => void }) {
  const title = useChatStore((state) => state.chats.find((chat) => chat.id === chatId)?.title);

  useEffect(() => {
    document.title = title ? `${title} · Parley` : 'Parley';
  }, [title]);

  return (
    <header className="chat-header">
      <button
        type="button"
        className="icon-button mobile-only"
        aria-label="Open the chat list"
        onClick={onOpenSidebar}
      >
        <Menu aria-hidden="true" />
      </button>
      <ModelPicker chatId={chatId} />
      {title ? <h1 className="chat-title">{title}</h1> : <span className="chat-title" />}
      <Link className="icon-button mobile-only" href="/chat" aria-label="New chat">
        <SquarePen aria-hidden="true" />
      </Link>
    </header>
  );
}
