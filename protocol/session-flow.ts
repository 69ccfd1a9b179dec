import { type Static, Type } from 'typebox';

/**
 * Seed 001's session flow: `POST /api/chat/start` answers `{sessionId, chatId}`, an EventSource reads
 * `GET /api/chat/stream?sessionId=` as unnamed events `{type: 'token', content}` ... `{type: 'done'}`, and
 * `GET /api/chat/history?chatId=` gives the conversation. A session lasts 10 minutes.
 */

export const StartSessionBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 200_000 }),
    modelId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    chatId: Type.Optional(Type.String({ format: 'uuid' })),
    /** Sent by seed 001's client; the caller is who its credentials say, so it is not used. */
    userId: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type StartSessionBody = Static<typeof StartSessionBody>;

export const StartedSession = Type.Object({
  /** Opens the stream for 10 minutes; it also works as EventSource's only credential. */
  sessionId: Type.String(),
  chatId: Type.String({ format: 'uuid' }),
  messageId: Type.String({ format: 'uuid' }),
});
export type StartedSession = Static<typeof StartedSession>;

export const SessionStreamQuery = Type.Object(
  { sessionId: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  { chatId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const ChatHistory = Type.Object({
  chatId: Type.String({ format: 'uuid' }),
  messages: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
      content: Type.String(),
      status: Type.String(),
      model: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
});
export type ChatHistory = Static<typeof ChatHistory>;

/** The `data:` of each event on the session stream. */
export type SessionStreamEvent =
  | { type: 'token'; content: string }
  | { type: 'done'; status: string }
  | { type: 'error'; code: string; message: string };
