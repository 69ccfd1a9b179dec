import { sendMessage } from '../state/chat-sending.ts';

const suggestions = [
  { title: 'Explain streaming', prompt: 'How does streaming work over a network?' },
  { title: 'Cook better pasta', prompt: 'How do I cook pasta so it tastes good?' },
  { title: 'Plan a garden', prompt: 'What should I know before planting a vegetable garden?' },
  { title: 'Learn about rivers', prompt: 'Tell me about rivers and forests.' },
];

export function EmptyState() {
  return (
    <div className="empty-state">
      <div className="brand-mark large" aria-hidden="true" />
      <h1>How can I help you today?</h1>
      <ul className="suggestions" aria-label="Suggestions">
        {suggestions.map((suggestion) => (
          <li key={suggestion.title}>
            <button type="button" className="suggestion" onClick={() => sendMessage(suggestion.prompt)}>
              <strong>{suggestion.title}</strong>
              <span>{suggestion.prompt}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
