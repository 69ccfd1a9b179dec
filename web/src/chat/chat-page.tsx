import { useEffect } from 'react';
import { openChat, openNewChat } from '../state/chat-loading.ts';
import { useChatStore } from '../state/store.ts';
import { ChatHeader } from './chat-header.tsx';
import { Composer } from './composer.tsx';
import { EmptyState } from './empty-state.tsx';
import { ErrorBanner } from './error-banner.tsx';
import { MessageList } from './message-list.tsx';
import { MissingChat } from './missing-chat.tsx';

export function ChatPage({ chatId, onOpenSidebar }: { chatId: string | null; onOpenSidebar: () => void }) {
  const status = useChatStore((state) => state.threadStatus);
  const empty = useChatStore((state) => state.thread.length === 0);

  useEffect(() => {
    if (chatId) {
      openChat(chatId);
    } else {
      openNewChat();
    }
  }, [chatId]);

  return (
    <main className="chat">
      <ChatHeader chatId={chatId} onOpenSidebar={onOpenSidebar} />
      {status === 'missing' ? (
        <MissingChat />
      ) : status === 'loading' ? (
        <div className="thread-loading" role="status" aria-label="Loading the conversation">
          <span className="spinner" />
        </div>
      ) : empty ? (
        <EmptyState />
      ) : (
        <MessageList />
      )}
      <div className="composer-area">
        <ErrorBanner />
        {status !== 'missing' && <Composer chatId={chatId} />}
      </div>
    </main>
  );
}
