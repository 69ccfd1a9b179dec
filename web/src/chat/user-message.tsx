import { Pencil } from 'lucide-react';
import { type KeyboardEvent, useState } from 'react';
import { editMessage } from '../state/chat-sending.ts';
import { useChatStore, versionsKeyOf } from '../state/store.ts';
import { CopyButton } from './copy-button.tsx';
import { VersionPager } from './version-pager.tsx';

function EditMessage({
  initial,
  onSubmit,
  onDone,
}: {
  initial: string;
  onSubmit: (content: string) => void;
  onDone: () => void;
}) {
  const [text, setText] = useState(initial);
  const submit = () => {
    const content = text.trim();
    if (content) {
      onSubmit(content);
      onDone();
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onDone();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <div className="edit-message">
      <label className="sr-only" htmlFor="edit-message">
        Edit your message
      </label>
      <textarea
        id="edit-message"
        // biome-ignore lint/a11y/noAutofocus: the person just asked to edit this message
        autoFocus
        value={text}
        rows={Math.min(8, text.split('\n').length + 1)}
        aria-describedby="edit-message-note"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <p id="edit-message-note" className="edit-note">
        Replaces this message and the conversation after it with a new branch. The original stays as an
        earlier version.
      </p>
      <div className="edit-actions">
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
        <button type="button" className="button primary" onClick={submit} disabled={!text.trim()}>
          Send
        </button>
      </div>
    </div>
  );
}

/**
 * One user message, or the version of it the pager shows. Paging is read-only: another version shows its
 * text, while the conversation below stays the thread's; editing any version starts a branch from there.
 */
export function UserMessage({ id }: { id: string }) {
  const shownId = useChatStore((state) => {
    const message = state.messages[id];
    const versions = message ? state.versions[versionsKeyOf(message)] : undefined;
    return versions?.ids[versions.shown] ?? id;
  });
  const message = useChatStore((state) => state.messages[shownId]);
  const busy = useChatStore((state) => message !== undefined && state.live[message.chatId] !== undefined);
  const [editing, setEditing] = useState(false);
  if (!message) {
    return null;
  }
  if (editing) {
    return (
      <div className="message user editing">
        <EditMessage
          initial={message.content}
          onSubmit={(content) =>
            editMessage({ chatId: message.chatId, threadId: id, editedId: shownId, content })
          }
          onDone={() => setEditing(false)}
        />
      </div>
    );
  }
  return (
    <div className="message user" data-delivery={message.delivery}>
      <h2 className="sr-only">You said:</h2>
      <div className="bubble">{message.content}</div>
      {shownId !== id && (
        <p className="version-note">An earlier version. The conversation below follows the newest one.</p>
      )}
      {message.delivery === 'failed' && <p className="delivery-failed">Not sent</p>}
      <div className="message-actions">
        <CopyButton text={() => message.content} label="Copy message" />
        <button
          type="button"
          className="icon-button small"
          aria-label="Edit and resend"
          title="Edit and resend"
          disabled={busy}
          onClick={() => setEditing(true)}
        >
          <Pencil aria-hidden="true" />
        </button>
        <VersionPager id={id} label="Message versions" />
      </div>
    </div>
  );
}
