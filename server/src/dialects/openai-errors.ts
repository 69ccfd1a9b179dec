import type { OpenAIError } from '../../../protocol/openai.ts';
import type { AppError } from '../app-error.ts';

/** OpenAI's own `code` for the errors its clients special-case; other errors carry Parley's code, lowercased. */
const OPENAI_CODES: Partial<Record<AppError['code'], string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  INVALID_TOKEN: 'invalid_api_key',
  TOKEN_EXPIRED: 'invalid_api_key',
  MODEL_NOT_FOUND: 'model_not_found',
  CONTEXT_TOO_LONG: 'context_length_exceeded',
  RATE_LIMITED: 'rate_limit_exceeded',
  PROVIDER_RATE_LIMITED: 'rate_limit_exceeded',
};

/** An error as OpenAI shapes it, with the HTTP status OpenAI would use. */
export function toOpenAIError(error: AppError): { status: number; body: OpenAIError } {
  const type =
    error.status === 401
      ? 'invalid_request_error'
      : error.status === 429
        ? 'requests'
        : error.status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  return {
    status: error.status,
    body: {
      error: {
        message: error.message,
        type,
        param: error.field ?? null,
        code: OPENAI_CODES[error.code] ?? error.code.toLowerCase(),
      },
    },
  };
}
