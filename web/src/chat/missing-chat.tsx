import { MessageSquareOff } from 'lucide-react';
import { Link } from 'wouter';

export function MissingChat() {
  return (
    <div className="empty-state">
      <MessageSquareOff className="empty-icon" aria-hidden="true" />
      <h1>This chat isn’t here</h1>
      <p>It may have been deleted, or it belongs to another browser.</p>
      <Link className="button primary" href="/chat">
        Start a new chat
      </Link>
    </div>
  );
}
