/**
 * The catalogue of every error a client can see: a stable code, its HTTP status and a human message.
 * Codes never change meaning; clients switch on them.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match its schema.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_ID: { status: 400, message: 'The id in the path is not a valid id.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the server accepts.' },
  UNAUTHENTICATED: {
    status: 401,
    message: 'Send Authorization: Bearer <token> or an x-anon-id header with a UUID.',
  },
  INVALID_TOKEN: { status: 401, message: 'The token is invalid.' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  MODEL_NOT_FOUND: { status: 400, message: 'No such model.' },
  GENERATION_IN_PROGRESS: { status: 409, message: 'This chat already has an answer in progress.' },
  NOTHING_TO_REGENERATE: { status: 409, message: 'Only an answer to a user message can be regenerated.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Try again shortly.' },
  SHUTTING_DOWN: { status: 503, message: 'This server is shutting down. Retry on another instance.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'A backing service is unavailable. Try again shortly.' },
  PROVIDER_NOT_CONFIGURED: { status: 400, message: 'That provider is not configured on this server.' },
  PROVIDER_UNAVAILABLE: { status: 502, message: 'The model provider is unavailable.' },
  PROVIDER_TIMEOUT: { status: 504, message: 'The model provider did not answer in time.' },
  PROVIDER_RATE_LIMITED: { status: 429, message: 'The model provider is rate limiting requests.' },
  PROVIDER_AUTH: { status: 502, message: 'The model provider rejected the server credentials.' },
  PROVIDER_BAD_RESPONSE: {
    status: 502,
    message: 'The model provider sent a response that could not be read.',
  },
  PROVIDER_REJECTED: {
    status: 400,
    message: 'The model provider refused the request: an option may be outside what this model accepts.',
  },
  PROVIDER_DISCONNECTED: { status: 502, message: 'The model provider closed the stream before it finished.' },
  CONTEXT_TOO_LONG: { status: 400, message: 'The conversation is longer than the model accepts.' },
  GENERATION_INTERRUPTED: { status: 500, message: 'The server generating this answer stopped.' },
  INTERNAL: { status: 500, message: 'Something went wrong on the server.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

/** The body of every non-2xx response of the native API. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}
