import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { StartData } from '../protocol/events.ts';
import type { Notification } from '../server/src/notifications/notification-hub.ts';
import { fakeOpenAIEnv, startFakeOpenAI } from './fakes/fake-openai-server.ts';
import type { FakeUpstream } from './fakes/fake-upstream.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { collectSse, type SseEvent } from './helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from './helpers/start-parley.ts';

const model = 'local/fake-model';

/**
 * An instance keeps the chats it last answered in, so their next message goes to the model without reading the
 * chat. Another instance writes the same database: here, the test writes it through the repositories, as that
 * instance would.
 */
describe('the chats an instance keeps between answers', () => {
  let server: RunningParley;
  let upstream: FakeUpstream;
  const headers = anonymous();
  const ownerId = `anon:${headers['x-anon-id']}`;

  before(async () => {
    upstream = await startFakeOpenAI({ tokens: 3 });
    server = await startParley({ env: fakeOpenAIEnv(upstream.url) });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  async function send(chatId: string, content: string): Promise<StartData> {
    const response = await sendMessage(server.url, headers, chatId, { content });
    assert.equal(response.status, 200, await response.clone().text());
    const events = await collectSse(response);
    assert.equal(events.at(-1)?.event, 'end');
    const start = JSON.parse(events[0]?.data ?? '') as StartData & { token: string };
    // The token is signed while the answer is saved; an answer started again (the chat had changed) gets a
    // token for its own id, not the first attempt's.
    const resumed = await fetch(`${server.url}/api/streams/${start.streamId}?token=${start.token}`);
    assert.equal(resumed.status, 200, await resumed.clone().text());
    // Each read signs its own token, whose issue time may fall in the next second: compared without it.
    assert.deepEqual(withoutToken(await collectSse(resumed)), withoutToken(events));
    return start;
  }

  function withoutToken(events: SseEvent[]): SseEvent[] {
    return events.map((event) =>
      event.event === 'start'
        ? { ...event, data: JSON.stringify({ ...JSON.parse(event.data), token: undefined }) }
        : event,
    );
  }

  /** The conversation the model was last asked to answer. */
  function lastAsked(): string[] {
    const body = upstream.requests.at(-1)?.body as { messages: { content: string }[] };
    return body.messages.map((turn) => turn.content);
  }

  /** A prompt and its finished answer, saved as another instance saves them. */
  async function answerElsewhere(chatId: string, content: string, parentId: string): Promise<string> {
    const userId = randomUUID();
    const answerId = randomUUID();
    const now = new Date();
    const begun = await server.repositories.messages.beginAnswer({
      ownerId,
      chatId,
      userMessage: { id: userId, content, clientMessageId: null, parentId },
      answer: { id: answerId, model, parentId: userId },
      now,
    });
    assert.equal(typeof begun, 'object');
    await server.repositories.messages.finishAnswer({
      id: answerId,
      content: `elsewhere: ${content}`,
      status: 'complete',
      finishReason: 'stop',
      inputTokens: 1,
      outputTokens: 1,
      errorCode: null,
      errorMessage: null,
      cached: false,
      now,
    });
    return userId;
  }

  test('messages in a chat this instance made and answered in are sent without reading the chat', async () => {
    const chatId = await createChat(server.url, headers, { model });
    const chats = server.repositories.chats;
    const read = chats.getChatWithMessages;
    let reads = 0;
    chats.getChatWithMessages = (...args) => {
      reads += 1;
      return read.apply(chats, args);
    };
    try {
      await send(chatId, 'one');
      await send(chatId, 'two');
      await send(chatId, 'three');
    } finally {
      chats.getChatWithMessages = read;
    }
    assert.equal(reads, 0);
    const answers = (await getChat(server.url, headers, chatId)).messages.filter(
      (m) => m.role === 'assistant',
    );
    assert.equal(answers.length, 3);
    assert.deepEqual(lastAsked(), ['one', answers[0]?.content, 'two', answers[1]?.content, 'three']);
  });

  test('messages saved by another instance are in the next answer’s conversation', async () => {
    const chatId = await createChat(server.url, headers, { model });
    const first = await send(chatId, 'mine');
    await answerElsewhere(chatId, 'theirs', first.messageId);
    await send(chatId, 'mine again');
    const asked = lastAsked();
    assert.deepEqual(
      [asked[0], asked[2], asked[3], asked[4]],
      ['mine', 'theirs', 'elsewhere: theirs', 'mine again'],
    );
  });

  test('a message saved by another instance can be edited and regenerated here', async () => {
    const chatId = await createChat(server.url, headers, { model });
    const first = await send(chatId, 'mine');
    const theirs = await answerElsewhere(chatId, 'theirs', first.messageId);

    const edited = await fetch(
      `${server.url}/api/chats/${chatId}/messages/${theirs}/edit`,
      json({ content: 'theirs, edited' }, headers),
    );
    assert.equal(edited.status, 200, await edited.clone().text());
    await collectSse(edited);
    assert.deepEqual(lastAsked().slice(2), ['theirs, edited']);

    const second = await answerElsewhere(chatId, 'theirs again', first.messageId);
    const regenerated = await fetch(
      `${server.url}/api/chats/${chatId}/messages/${second}/regenerate`,
      json({}, headers),
    );
    assert.equal(regenerated.status, 200, await regenerated.clone().text());
    await collectSse(regenerated);
    assert.deepEqual(lastAsked().slice(2), ['theirs again']);
  });

  test('a chat renamed elsewhere is announced with its new name when its next answer starts', async () => {
    const chatId = await createChat(server.url, headers, { model });
    await send(chatId, 'before the rename');
    await server.repositories.chats.renameChat(ownerId, chatId, 'Renamed elsewhere', new Date());
    const heard: Notification[] = [];
    const unsubscribe = server.parley.notifications.subscribe((notification) => heard.push(notification));
    try {
      await send(chatId, 'after the rename');
    } finally {
      unsubscribe();
    }
    const updated = heard.find((notification) => notification.type === 'chat_updated');
    assert.equal(updated?.type === 'chat_updated' && updated.chat.title, 'Renamed elsewhere');
  });

  test('a chat deleted since this instance answered in it is NOT_FOUND', async () => {
    const chatId = await createChat(server.url, headers, { model });
    await send(chatId, 'before the delete');
    assert.ok(await server.repositories.chats.deleteChat(ownerId, chatId));
    const response = await sendMessage(server.url, headers, chatId, { content: 'after' });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });
});
