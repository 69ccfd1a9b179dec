import type { ClientErrorCode } from '../api/api-error.ts';

const texts: Partial<Record<ClientErrorCode, string>> = {
  NETWORK: 'Can’t reach Parley. Check your connection or whether the server is running.',
  VALIDATION_FAILED: 'Parley could not accept that request.',
  BODY_TOO_LARGE: 'That message is too long to send.',
  UNAUTHENTICATED: 'Your session is not recognised. Reload the page to start a new one.',
  INVALID_TOKEN: 'Your session is not valid any more. Reload the page.',
  TOKEN_EXPIRED: 'Your session has expired. Reload the page.',
  NOT_FOUND: 'That chat or message no longer exists. It may have been deleted on another device.',
  MODEL_NOT_FOUND: 'That model is not available on this server any more. Pick another one.',
  GENERATION_IN_PROGRESS: 'An answer is still being written in this chat. Wait for it, or stop it first.',
  NOTHING_TO_REGENERATE: 'There is no answer here to regenerate.',
  RATE_LIMITED: 'You are sending messages too quickly. Wait a moment and try again.',
  SHUTTING_DOWN: 'The server is restarting. Try again in a moment.',
  SERVICE_UNAVAILABLE: 'Parley’s storage is unavailable right now. Try again shortly.',
  PROVIDER_UNAVAILABLE: 'The model’s provider is unavailable right now. Try again, or pick another model.',
  PROVIDER_TIMEOUT: 'The model took too long to answer. Try again.',
  PROVIDER_RATE_LIMITED: 'The model’s provider is rate limiting requests. Wait a little, then try again.',
  PROVIDER_AUTH:
    'The server’s credentials for this model were rejected. Ask the server’s admin to check them.',
  PROVIDER_BAD_RESPONSE: 'The model sent an answer Parley could not read. Try again.',
  PROVIDER_REJECTED:
    'The model’s provider refused this request: an option may be outside what the model accepts. Pick another model, or ask the server’s admin.',
  PROVIDER_DISCONNECTED: 'The model stopped before finishing its answer. Try again.',
  CONTEXT_TOO_LONG:
    'This conversation is longer than the model can read. Start a new chat, or pick a larger model.',
  GENERATION_INTERRUPTED: 'The server stopped while writing this answer. What it had written is kept.',
  INTERNAL: 'Something went wrong on the server. Try again.',
};

/** What to tell a person about an error code; the server's own message when we have nothing kinder. */
export function errorText(code: ClientErrorCode | string | null, fallback?: string): string {
  return texts[code as ClientErrorCode] ?? fallback ?? 'Something went wrong. Try again.';
}
