import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message, MessageVersions } from '../protocol/api.ts';
import type { StartData } from '../protocol/events.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { collectSse, type SseEvent, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from './helpers/start-parley.ts';

const startOf = (events: SseEvent[]) => JSON.parse(events[0]?.data ?? '{}') as StartData;
const inputTokensOf = (events: SseEvent[]) =>
  (JSON.parse(events.find((event) => event.event === 'usage')?.data ?? '{}') as { inputTokens: number })
    .inputTokens;
const versionsOf = (messages: Message[]) =>
  messages.map((message) => [message.role, message.content, message.versionIndex, message.versionCount]);

describe('editing a user message', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({ demo: { tokensPerSecond: 500, firstTokenDelayMs: 0 } });
  });
  after(() => server.close());

  const edit = (headers: Record<string, string>, chatId: string, messageId: string, body: object) =>
    fetch(`${server.url}/api/chats/${chatId}/messages/${messageId}/edit`, json(body, headers));

  async function listVersions(headers: Record<string, string>, chatId: string, messageId: string) {
    const response = await fetch(`${server.url}/api/chats/${chatId}/messages/${messageId}/versions`, {
      headers,
    });
    return ((await response.json()) as MessageVersions).versions;
  }

  /** A chat of three turns, each answered in full. */
  async function threeTurns(headers: Record<string, string>) {
    const chatId = await createChat(server.url, headers);
    const turns: SseEvent[][] = [];
    for (const content of ['one', 'two', 'three']) {
      turns.push(await collectSse(await sendMessage(server.url, headers, chatId, { content, maxTokens: 8 })));
    }
    return { chatId, turns: turns.map((events) => ({ events, start: startOf(events) })) };
  }

  test('an edit branches the chat: the thread follows the new branch, versions keep the old one', async () => {
    const headers = anonymous();
    const { chatId, turns } = await threeTurns(headers);
    const [first, second, third] = turns as [(typeof turns)[0], (typeof turns)[0], (typeof turns)[0]];

    const edited = await edit(headers, chatId, second.start.userMessageId, { content: 'two', maxTokens: 8 });
    assert.equal(edited.status, 200);
    assert.match(edited.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await collectSse(edited);
    const start = startOf(events);
    assert.deepEqual([events[0]?.event, events.at(-1)?.event], ['start', 'end']);
    assert.notEqual(start.userMessageId, second.start.userMessageId);
    // Same text after the same history: the model saw turn one, then the edit, and nothing of the old branch.
    assert.equal(inputTokensOf(events), inputTokensOf(second.events));

    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => message.id),
      [first.start.userMessageId, first.start.messageId, start.userMessageId, start.messageId],
    );
    assert.deepEqual(versionsOf(messages), [
      ['user', 'one', 1, 1],
      ['assistant', textOf(first.events), 1, 1],
      ['user', 'two', 2, 2],
      ['assistant', textOf(events), 1, 1],
    ]);
    assert.equal(messages[2]?.parentId, first.start.messageId);

    const edits = await listVersions(headers, chatId, start.userMessageId);
    assert.deepEqual(
      edits.map((message) => [message.id, message.versionIndex, message.versionCount]),
      [
        [second.start.userMessageId, 1, 2],
        [start.userMessageId, 2, 2],
      ],
    );
    // The old branch's answers are still reachable, each as the versions of its own answer.
    const oldAnswers = await listVersions(headers, chatId, third.start.messageId);
    assert.deepEqual(
      oldAnswers.map((message) => [message.id, message.content]),
      [[third.start.messageId, textOf(third.events)]],
    );
  });

  test('editing the first message starts a new thread; regenerate works on the new branch', async () => {
    const headers = anonymous();
    const { chatId, turns } = await threeTurns(headers);
    const firstUserId = turns[0]?.start.userMessageId ?? '';

    const events = await collectSse(
      await edit(headers, chatId, firstUserId, { content: 'uno', maxTokens: 8 }),
    );
    const start = startOf(events);
    const regenerated = await collectSse(
      await fetch(
        `${server.url}/api/chats/${chatId}/messages/${start.messageId}/regenerate`,
        json({ maxTokens: 8, seed: 7 }, headers),
      ),
    );
    const again = startOf(regenerated);
    assert.equal(again.userMessageId, start.userMessageId);

    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => [message.id, message.versionIndex, message.versionCount]),
      [
        [start.userMessageId, 2, 2],
        [again.messageId, 2, 2],
      ],
    );
    assert.equal(messages[0]?.parentId, null);
    assert.deepEqual(
      (await listVersions(headers, chatId, again.messageId)).map((message) => message.id),
      [start.messageId, again.messageId],
    );
  });

  test("an edit of an answer is refused with a code, another owner's message is not found", async () => {
    const headers = anonymous();
    const { chatId, turns } = await threeTurns(headers);
    const answerId = turns[1]?.start.messageId ?? '';
    const userId = turns[1]?.start.userMessageId ?? '';

    const refused = await edit(headers, chatId, answerId, { content: 'mine now' });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Only a user message can be edited; regenerate an answer instead.',
        field: 'messageId',
      },
    });

    const stranger = await edit(anonymous(), chatId, userId, { content: 'mine now' });
    assert.equal(stranger.status, 404);
    assert.equal(((await stranger.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');

    const invalid = await edit(headers, chatId, userId, { content: '', clientMessageId: 'x' });
    assert.equal(invalid.status, 400);
    assert.equal(((await invalid.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');

    const { messages } = await getChat(server.url, headers, chatId);
    assert.equal(messages.length, 6, 'nothing was written');
  });
});
