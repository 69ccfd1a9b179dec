import { ChevronLeft, ChevronRight } from 'lucide-react';
import { pageVersion } from '../state/chat-loading.ts';
import { useChatStore, versionsKeyOf } from '../state/store.ts';

/** "< n / m >" over the versions of the thread message `id`: regenerated answers, or edits of a user message. */
export function VersionPager({ id, label }: { id: string; label: string }) {
  const message = useChatStore((state) => state.messages[id]);
  const versions = useChatStore((state) => (message ? state.versions[versionsKeyOf(message)] : undefined));
  if (!message) {
    return null;
  }
  const count = versions?.ids.length ?? message.versionCount;
  const shown = versions?.shown ?? message.versionIndex - 1;
  if (count < 2) {
    return null;
  }
  return (
    <fieldset className="version-pager" aria-label={label}>
      <button
        type="button"
        className="icon-button small"
        aria-label="Previous version"
        disabled={shown === 0}
        onClick={() => void pageVersion(message, shown - 1)}
      >
        <ChevronLeft aria-hidden="true" />
      </button>
      <span aria-live="polite">
        {shown + 1} / {count}
      </span>
      <button
        type="button"
        className="icon-button small"
        aria-label="Next version"
        disabled={shown === count - 1}
        onClick={() => void pageVersion(message, shown + 1)}
      >
        <ChevronRight aria-hidden="true" />
      </button>
    </fieldset>
  );
}
