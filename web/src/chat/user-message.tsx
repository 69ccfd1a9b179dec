import { Pencil } from 'lucide-react';
import { type KeyboardEvent, useState } from 'react';
import { sendMessage } from '../state/chat-sending.ts';
import { useChatStore } from '../state/store.ts';
import { CopyButton } from './copy-button.tsx';

function EditMessage({ initial, onDone }: { initial: string; onDone: () => void }) {
  const [text, setText] = useState(initial);
  const submit = () => {
    const content = text.trim();
    if (content) {
      sendMessage(content);
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
        Sends the edited text as a new message at the end of this chat. The original stays above.
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

export function UserMessage({ id }: { id: string }) {
  const message = useChatStore((state) => state.messages[id]);
  const busy = useChatStore((state) => message !== undefined && state.live[message.chatId] !== undefined);
  const [editing, setEditing] = useState(false);
  if (!message) {
    return null;
  }
  if (editing) {
    return (
      <div className="message user editing">
        <EditMessage initial={message.content} onDone={() => setEditing(false)} />
      </div>
    );
  }
  return (
    <div className="message user" data-delivery={message.delivery}>
      <h2 className="sr-only">You said:</h2>
      <div className="bubble">{message.content}</div>
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
      </div>
    </div>
  );
}
