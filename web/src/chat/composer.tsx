import { ArrowUp, Square } from 'lucide-react';
import { type FormEvent, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { stopAnswer } from '../state/answer-stream.ts';
import { sendMessage } from '../state/chat-sending.ts';
import { useChatStore } from '../state/store.ts';

const maxHeight = 220;

export function Composer({ chatId }: { chatId: string | null }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const live = useChatStore((state) => chatId !== null && state.live[chatId] !== undefined);
  // Until the chat has loaded, a message would land in a conversation about to be replaced.
  const loading = useChatStore((state) => state.threadStatus === 'loading');

  // biome-ignore lint/correctness/useExhaustiveDependencies: the box grows and shrinks with its text
  useLayoutEffect(() => {
    const area = input.current;
    if (area) {
      area.style.height = 'auto';
      area.style.height = `${Math.min(area.scrollHeight, maxHeight)}px`;
    }
  }, [text]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: opening another chat puts the cursor in the box
  useEffect(() => {
    input.current?.focus();
  }, [chatId]);

  // Stop and Send swap places, so the button that had focus is gone when an answer ends: focus the box.
  useEffect(() => {
    if (!live && document.activeElement === document.body) {
      input.current?.focus();
    }
  }, [live]);

  // Esc stops the answer from anywhere on the page, unless something else (a menu, an edit) claimed it.
  useEffect(() => {
    if (!live || !chatId) {
      return;
    }
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) {
        void stopAnswer(chatId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [live, chatId]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (!content || live || loading) {
      return;
    }
    sendMessage(content);
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer" className="sr-only">
          Message
        </label>
        <textarea
          id="composer"
          ref={input}
          rows={1}
          value={text}
          placeholder="Message Parley"
          aria-describedby="composer-hint"
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {live ? (
          <button
            type="button"
            className="send-button stop"
            aria-label="Stop generating"
            title="Stop generating (Esc)"
            onClick={() => chatId && void stopAnswer(chatId)}
          >
            <Square aria-hidden="true" fill="currentColor" />
          </button>
        ) : (
          <button
            type="submit"
            className="send-button"
            aria-label="Send message"
            disabled={!text.trim() || loading}
          >
            <ArrowUp aria-hidden="true" />
          </button>
        )}
      </form>
      <p id="composer-hint" className="composer-hint">
        {live ? 'Esc stops the answer' : 'Enter to send · Shift+Enter for a new line'}
      </p>
    </>
  );
}
