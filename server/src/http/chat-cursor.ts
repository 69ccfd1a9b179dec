import { AppError } from '../app-error.ts';
import type { ChatCursor } from '../db/repository.ts';

/** Cursors are opaque to clients: base64url of the last row's sort key. */
export function encodeChatCursor(cursor: ChatCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodeChatCursor(raw: string): ChatCursor {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(updatedAt));
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) && !Number.isNaN(date.getTime())) {
      return { updatedAt: date, id };
    }
  } catch {
    // Falls through to the coded error below.
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'cursor is not one this server issued.',
    field: 'cursor',
  });
}
