import { useChatStore } from '../state/store.ts';

function compact(count: number): string {
  return count >= 1000 ? `${(count / 1000).toFixed(count >= 10_000 ? 0 : 1)}k` : String(count);
}

/** Seed 000's green dot: the control channel is up. Then usage, live from `usage_info`. */
export function ConnectionStatus() {
  const connected = useChatStore((state) => state.controlConnected);
  const reachable = useChatStore((state) => state.reachable);
  const presence = useChatStore((state) => state.presence);
  const usage = useChatStore((state) => state.usage);
  const state = connected ? 'online' : reachable ? 'connecting' : 'offline';
  const label = { online: 'Connected', connecting: 'Connecting…', offline: 'Offline' }[state];
  return (
    <div className="sidebar-footer">
      <p className="connection" role="status" data-state={state}>
        <span className="connection-dot" aria-hidden="true" />
        <span>{label}</span>
        {connected && presence !== null && presence > 1 && (
          <span className="muted"> · open in {presence} tabs</span>
        )}
      </p>
      {usage && (
        <p className="usage">
          Today: {usage.messages_today} {usage.messages_today === 1 ? 'message' : 'messages'} ·{' '}
          {compact(usage.input_tokens_today + usage.output_tokens_today)} tokens
        </p>
      )}
    </div>
  );
}
