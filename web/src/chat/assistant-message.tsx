import { CircleAlert, RefreshCw } from 'lucide-react';
import { regenerate } from '../state/chat-sending.ts';
import { errorText } from '../state/error-text.ts';
import { useChatStore } from '../state/store.ts';
import { CopyButton } from './copy-button.tsx';
import { Markdown } from './markdown.tsx';
import { VersionPager } from './version-pager.tsx';

function TypingIndicator() {
  return (
    <div className="typing" role="status" aria-label="Parley is typing">
      <span />
      <span />
      <span />
    </div>
  );
}

const statusNotes = {
  cancelled: 'Stopped',
  interrupted: 'Interrupted: the server stopped while writing this answer',
} as const;

/** One answer, or the version of it the pager shows. Only the streaming one re-renders as tokens arrive. */
export function AssistantMessage({ id, last }: { id: string; last: boolean }) {
  const shownId = useChatStore((state) => {
    const parentId = state.messages[id]?.parentId;
    const versions = parentId ? state.versions[parentId] : undefined;
    return versions?.ids[versions.shown] ?? id;
  });
  const message = useChatStore((state) => state.messages[shownId]);
  const modelLabel = useChatStore(
    (state) => state.models.find((model) => model.id === message?.model)?.label ?? message?.model,
  );
  const busy = useChatStore((state) => message !== undefined && state.live[message.chatId] !== undefined);
  if (!message) {
    return null;
  }
  const streaming = message.status === 'streaming';
  const note =
    message.status === 'cancelled' || message.status === 'interrupted' ? statusNotes[message.status] : null;
  return (
    <article className="message assistant" aria-busy={streaming} data-status={message.status}>
      <div className="avatar brand-mark" aria-hidden="true" />
      <div className="message-body">
        <h2 className="sr-only">Parley said:</h2>
        {streaming && message.content === '' ? (
          <TypingIndicator />
        ) : (
          <Markdown text={message.content} streaming={streaming} />
        )}
        {note && <p className={`status-note ${message.status}`}>{note}</p>}
        {message.status === 'error' && (
          <p className="answer-error">
            <CircleAlert aria-hidden="true" />
            {errorText(message.errorCode)}
          </p>
        )}
        {!streaming && (
          <div className="message-actions always">
            <CopyButton text={() => message.content} label="Copy answer" />
            {last && (
              <button
                type="button"
                className="icon-button small"
                aria-label="Regenerate answer"
                title="Regenerate"
                disabled={busy}
                onClick={() => void regenerate(message.chatId, id)}
              >
                <RefreshCw aria-hidden="true" />
              </button>
            )}
            <VersionPager id={id} label="Answer versions" />
            <span className="message-meta">
              {modelLabel}
              {message.cached && ' · cached'}
              {message.outputTokens !== null && ` · ${message.outputTokens} tokens`}
            </span>
          </div>
        )}
      </div>
    </article>
  );
}
