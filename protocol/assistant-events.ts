import { type Static, Type } from 'typebox';
import type { ControlMessage, UsageInfo } from './control.ts';

/**
 * Seed 003's message API: `POST /api/v1/messages/send` answers named SSE events `assistant_typing`,
 * `assistant_delta`, `assistant_complete`, `assistant_error` and `usage_info`; regenerating adds
 * `assistant_regenerating` and `assistant_regenerated`. Payloads are snake_case, as in the seed.
 */

export const SendAssistantMessageBody = Type.Object(
  {
    /** Omit to start a new chat. */
    chat_id: Type.Optional(Type.String({ format: 'uuid' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    content: Type.String({ minLength: 1, maxLength: 200_000 }),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 200_000 })),
    system: Type.Optional(Type.String({ maxLength: 100_000 })),
  },
  { additionalProperties: false },
);
export type SendAssistantMessageBody = Static<typeof SendAssistantMessageBody>;

export const RegenerateAssistantMessageBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  },
  { additionalProperties: false },
);

export interface AssistantEvents {
  assistant_typing: { chat_id: string; message_id: string; model: string };
  assistant_delta: { delta: string };
  assistant_complete: ControlMessage;
  assistant_error: { code: string; error: string };
  assistant_regenerating: { chat_id: string; message_id: string; replaces: string };
  assistant_regenerated: ControlMessage;
  usage_info: UsageInfo;
}

/** The test endpoint's events: `test_message` a few times, then `test_complete`. */
export interface TestSseEvents {
  test_message: { counter: number; message: string };
  test_complete: { message: string };
}
