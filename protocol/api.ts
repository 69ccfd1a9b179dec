import { type Static, Type } from 'typebox';
import { errorCodes } from './errors.ts';

/**
 * Request and response schemas of the native API. The server validates with them, `/docs` is generated from
 * them, and the web client and tests use their static types.
 */

export const Id = Type.String({ format: 'uuid', description: 'A UUID.' });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(errorCodes.map((code) => Type.Literal(code))),
      message: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every non-2xx response carries a stable error code.' },
);

export const MessageStatusSchema = Type.Union([
  Type.Literal('streaming'),
  Type.Literal('complete'),
  Type.Literal('cancelled'),
  Type.Literal('error'),
  Type.Literal('interrupted'),
]);

export const Chat = Type.Object({
  id: Id,
  title: Type.String(),
  /** The model the chat last used. */
  model: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Chat = Static<typeof Chat>;

export const Message = Type.Object({
  id: Id,
  chatId: Id,
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String(),
  status: MessageStatusSchema,
  model: Type.String(),
  /**
   * For an answer: the user message it replies to. For a user message: the answer it follows, null for a
   * chat's first message. Messages sharing a parent and a role are versions of each other (regenerated
   * answers, edited user messages).
   */
  parentId: Type.Union([Id, Type.Null()]),
  finishReason: Type.Union([Type.String(), Type.Null()]),
  inputTokens: Type.Union([Type.Integer(), Type.Null()]),
  outputTokens: Type.Union([Type.Integer(), Type.Null()]),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  cached: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  /** How many versions this message has, itself included. */
  versionCount: Type.Integer({ minimum: 1 }),
  /** This message's place among its versions, 1-based, oldest first. */
  versionIndex: Type.Integer({ minimum: 1 }),
});
export type Message = Static<typeof Message>;

export const ChatWithMessages = Type.Object({
  chat: Chat,
  /**
   * The conversation as it reads now: the newest version of the first message, then at each step the newest
   * reply to the message before it.
   */
  messages: Type.Array(Message),
});
export type ChatWithMessages = Static<typeof ChatWithMessages>;

export const CreateChatBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateChatBody = Static<typeof CreateChatBody>;

export const UpdateChatBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type UpdateChatBody = Static<typeof UpdateChatBody>;

export const ListChatsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListChatsQuery = Static<typeof ListChatsQuery>;

export const ChatPage = Type.Object({
  chats: Type.Array(Chat),
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ChatPage = Static<typeof ChatPage>;

/** Generation options shared by every surface that starts an answer. */
export const GenerationOptions = {
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  system: Type.Optional(Type.String({ maxLength: 100_000 })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 200_000 })),
  stop: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 8 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  /**
   * The response cache serves deterministic requests (temperature 0) on its own; `true` opts any request
   * in, `false` opts out.
   */
  cache: Type.Optional(Type.Boolean()),
};

export const SendMessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 200_000 }),
    ...GenerationOptions,
    /** A client-chosen id; retrying the POST with the same one attaches to the same generation. */
    clientMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const EditMessageBody = Type.Object(
  { content: SendMessageBody.properties.content, ...GenerationOptions },
  { additionalProperties: false },
);
export type EditMessageBody = Static<typeof EditMessageBody>;

export const RegenerateBody = Type.Object(GenerationOptions, { additionalProperties: false });
export type RegenerateBody = Static<typeof RegenerateBody>;

export const IdParams = Type.Object({ id: Id });
export const MessageParams = Type.Object({ id: Id, messageId: Id });

export const StreamQuery = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 2000 })),
    lastEventId: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const ActiveStream = Type.Object({
  streamId: Id,
  chatId: Id,
  messageId: Id,
  model: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  /** A short-lived token for `GET /api/streams/:id?token=`. */
  token: Type.String(),
});
export type ActiveStream = Static<typeof ActiveStream>;

export const ActiveStreamList = Type.Object({ streams: Type.Array(ActiveStream) });
export type ActiveStreamList = Static<typeof ActiveStreamList>;

export const MessageVersions = Type.Object({ versions: Type.Array(Message) });
export type MessageVersions = Static<typeof MessageVersions>;

export const ModelInfo = Type.Object({
  id: Type.String(),
  label: Type.String(),
  provider: Type.String(),
  /** True for a model that runs inside Parley with no network: the built-in demo. */
  local: Type.Boolean(),
  contextLimit: Type.Integer(),
});
export type ModelInfo = Static<typeof ModelInfo>;

export const ModelList = Type.Object({
  models: Type.Array(ModelInfo),
  defaultModel: Type.String(),
  /** True when models can be pulled (`POST /api/models/load`): a local model server is configured. */
  canPull: Type.Boolean(),
});
export type ModelList = Static<typeof ModelList>;

export const CancelResult = Type.Object({ streamId: Id, status: MessageStatusSchema });
export type CancelResult = Static<typeof CancelResult>;

export const Health = Type.Object({ status: Type.Literal('ok') });

export const CreateApiKeyBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false },
);

export const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  /** The key's first characters, to tell keys apart. */
  prefix: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  /** The secret: shown in this response only. Send it as `Authorization: Bearer pk-...`. */
  key: Type.String(),
});
export type CreatedApiKey = Static<typeof CreatedApiKey>;

export const ApiKeyList = Type.Object({ keys: Type.Array(ApiKey) });

export const LoadModelBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'An Ollama model name, e.g. llama3.2 or ollama/llama3.2',
    }),
  },
  { additionalProperties: false },
);

/**
 * `POST /api/models/load` streams these as SSE: `progress` events with this data, then `done` `{model}` or
 * `error` `{code, message}`.
 */
export interface ModelPullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}
