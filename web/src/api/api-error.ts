import type { ErrorBody, ErrorCode } from '../../../protocol/errors.ts';

/** `NETWORK`: the server could not be reached at all, so there is no code from it. */
export type ClientErrorCode = ErrorCode | 'NETWORK';

export class ApiError extends Error {
  readonly code: ClientErrorCode;
  readonly status: number;

  constructor(code: ClientErrorCode, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export async function readApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  if (body?.error?.code) {
    return new ApiError(body.error.code, body.error.message, response.status);
  }
  return new ApiError(
    response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED',
    response.statusText,
    response.status,
  );
}

/** Whatever a failed fetch threw, as an ApiError; an abort stays an abort. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  return new ApiError('NETWORK', error instanceof Error ? error.message : String(error), 0);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
