import { CircleAlert, RotateCw, X } from 'lucide-react';
import { setState, useChatStore } from '../state/store.ts';

export function ErrorBanner() {
  const banner = useChatStore((state) => state.banner);
  if (!banner) {
    return null;
  }
  return (
    <div className="banner" role="alert" data-code={banner.code}>
      <CircleAlert className="banner-icon" aria-hidden="true" />
      <p>{banner.text}</p>
      {banner.retry && (
        <button type="button" className="button small" onClick={banner.retry}>
          <RotateCw aria-hidden="true" />
          Retry
        </button>
      )}
      <button
        type="button"
        className="icon-button small"
        aria-label="Dismiss"
        onClick={() => setState({ banner: null })}
      >
        <X aria-hidden="true" />
      </button>
    </div>
  );
}
