import { ArrowDown } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useChatStore } from '../state/store.ts';
import { AssistantMessage } from './assistant-message.tsx';
import { UserMessage } from './user-message.tsx';

// Within this many pixels of the bottom the list follows new text; scrolled further up, it stays put.
const stickyPx = 80;

function MessageRow({ id, last }: { id: string; last: boolean }) {
  const role = useChatStore((state) => state.messages[id]?.role);
  if (role === 'user') {
    return <UserMessage id={id} />;
  }
  return role ? <AssistantMessage id={id} last={last} /> : null;
}

/**
 * The conversation. It re-renders only when messages are added or renamed: each row reads its own message
 * from the store, so a streaming answer repaints itself and nothing else.
 */
export function MessageList() {
  const thread = useChatStore((state) => state.thread);
  const streaming = useChatStore(
    (state) => state.openChatId !== null && state.live[state.openChatId] !== undefined,
  );
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [atBottom, setAtBottom] = useState(true);

  const scrollToBottom = (behavior: ScrollBehavior = 'auto') => {
    scroller.current?.scrollTo({ top: scroller.current.scrollHeight, behavior });
  };

  // As the answer grows the list follows it, unless the reader has scrolled up.
  useEffect(() => {
    const observer = new ResizeObserver(() => {
      if (pinned.current) {
        scroller.current?.scrollTo({ top: scroller.current.scrollHeight });
      }
    });
    if (content.current) {
      observer.observe(content.current);
    }
    return () => observer.disconnect();
  }, []);

  // Sending a message always brings the end of the conversation into view.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the thread grows
  useEffect(() => {
    pinned.current = true;
    setAtBottom(true);
    scrollToBottom();
  }, [thread.length]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) {
      return;
    }
    const near = element.scrollHeight - element.scrollTop - element.clientHeight < stickyPx;
    pinned.current = near;
    setAtBottom(near);
  };

  return (
    <div className="messages" ref={scroller} onScroll={onScroll}>
      <div
        className="messages-inner"
        ref={content}
        role="log"
        aria-label="Conversation"
        aria-busy={streaming}
      >
        {thread.map((id, index) => (
          <MessageRow key={id} id={id} last={index === thread.length - 1} />
        ))}
      </div>
      {!atBottom && (
        <button
          type="button"
          className="scroll-down"
          aria-label="Scroll to the latest message"
          onClick={() => scrollToBottom('smooth')}
        >
          <ArrowDown aria-hidden="true" />
        </button>
      )}
      <p className="sr-only" role="status">
        {streaming ? 'Parley is answering…' : ''}
      </p>
    </div>
  );
}
