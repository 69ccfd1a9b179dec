import { Menu, SquarePen } from 'lucide-react';
import { Link } from 'wouter';
import { useChatStore } from '../state/store.ts';
import { ModelPicker } from './model-picker.tsx';

export function ChatHeader({ chatId, onOpenSidebar }: { chatId: string | null; onOpenSidebar: () => void }) {
  const title = useChatStore((state) => state.chats.find((chat) => chat.id === chatId)?.title);
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
      <h1 className="chat-title">{title ?? ''}</h1>
      <Link className="icon-button mobile-only" href="/chat" aria-label="New chat">
        <SquarePen aria-hidden="true" />
      </Link>
    </header>
  );
}
