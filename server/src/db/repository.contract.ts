import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../app-error.ts';
import { extendSnapshot } from '../generation/chat-snapshots.ts';
import { answerRecords } from './answer-records.ts';
import { apiKeyRepositoryContract } from './api-key-repository.contract.ts';
import type {
  BeginAnswerInput,
  BeginAnswerResult,
  FinishAnswerInput,
  MessageRecord,
  Repositories,
} from './repository.ts';
import { UNTITLED_CHAT_TITLE } from './schema.ts';
import type { TestDatabase } from './test-database.ts';

const start = Date.UTC(2026, 0, 1);
/** A point in time `seconds` after a fixed start, so ordering never depends on the clock. */
const at = (seconds: number) => new Date(start + seconds * 1000);
/** A begun answer as `ok`, so a test can compare outcomes; its title is checked where it matters. */
const okOr = (result: BeginAnswerResult) => (typeof result === 'object' ? 'ok' : result);
const newOwner = () => `owner-${randomUUID()}`;

/** The behaviour every repository engine must show; each test works on owners of its own. */
export function repositoryContract(create: () => Promise<TestDatabase>): void {
  let subject: TestDatabase;
  let repos: Repositories;
  before(async () => {
    subject = await create();
    repos = subject.repositories;
  });
  after(() => subject.cleanup());

  async function newChat(ownerId: string, options: { title?: string; now?: Date } = {}) {
    const now = options.now ?? at(0);
    return repos.chats.createChat({
      id: randomUUID(),
      ownerId,
      title: options.title ?? UNTITLED_CHAT_TITLE,
      model: 'demo',
      now,
    });
  }

  async function send(
    ownerId: string,
    chatId: string,
    options: {
      now: Date;
      clientMessageId?: string;
      model?: string;
      /** The answer the message follows; by default the last answer of the thread, as the service sends. */
      parentId?: string | null;
      messageCount?: number;
    },
  ) {
    const parentId =
      options.parentId !== undefined
        ? options.parentId
        : ((await threadOf(ownerId, chatId)).findLast((message) => message.role === 'assistant')?.id ?? null);
    const userId = randomUUID();
    const answerId = randomUUID();
    const result = await repos.messages.beginAnswer({
      ownerId,
      chatId,
      userMessage: {
        id: userId,
        content: `question ${userId}`,
        clientMessageId: options.clientMessageId ?? null,
        parentId,
      },
      answer: { id: answerId, model: options.model ?? 'demo', parentId: userId },
      ...(options.messageCount !== undefined && { messageCount: options.messageCount }),
      now: options.now,
    });
    return { result: okOr(result), userId, answerId };
  }

  async function regenerate(ownerId: string, chatId: string, parentId: string, now: Date) {
    const answerId = randomUUID();
    const result = await repos.messages.beginAnswer({
      ownerId,
      chatId,
      answer: { id: answerId, model: 'demo', parentId },
      now,
    });
    return { result: okOr(result), answerId };
  }

  function finish(id: string, now: Date, overrides: Partial<FinishAnswerInput> = {}) {
    return repos.messages.finishAnswer({
      id,
      content: `answer ${id}`,
      status: 'complete',
      finishReason: 'stop',
      inputTokens: 12,
      outputTokens: 34,
      errorCode: null,
      errorMessage: null,
      cached: false,
      now,
      ...overrides,
    });
  }

  const ids = (records: { id: string }[]) => records.map((record) => record.id);

  /** The chat's thread as getChatWithMessages reads it; empty when the owner has no such chat. */
  async function threadOf(ownerId: string, chatId: string) {
    return (await repos.chats.getChatWithMessages(ownerId, chatId))?.thread ?? [];
  }

  describe('chats', () => {
    test('createChat returns the chat and getChat reads it back', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId, { title: 'Plans', now: at(5) });
      const expected = {
        id: chat.id,
        ownerId,
        title: 'Plans',
        model: 'demo',
        hidden: false,
        createdAt: at(5),
        updatedAt: at(5),
      };
      assert.deepEqual(chat, expected);
      assert.deepEqual(await repos.chats.getChat(ownerId, chat.id), expected);
      assert.equal(await repos.chats.getChat(ownerId, randomUUID()), undefined);
    });

    test('listChats pages newest first by (updatedAt, id) with no duplicates or gaps', async () => {
      const ownerId = newOwner();
      // Several chats share an updatedAt, so the id must break ties consistently across pages.
      const created = await Promise.all(
        [0, 1, 1, 1, 2, 3, 3, 4].map((second) => newChat(ownerId, { now: at(second) })),
      );
      await newChat(newOwner(), { now: at(10) });
      const expected = created
        .toSorted((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((chat) => chat.id);

      const pages: string[][] = [];
      let cursor: { updatedAt: Date; id: string } | undefined;
      for (;;) {
        const page = await repos.chats.listChats(ownerId, { limit: 3, cursor });
        pages.push(ids(page));
        const last = page.at(-1);
        if (page.length < 3 || last === undefined) {
          break;
        }
        cursor = { updatedAt: last.updatedAt, id: last.id };
      }
      assert.deepEqual(
        pages.map((page) => page.length),
        [3, 3, 2],
      );
      assert.deepEqual(pages.flat(), expected);
    });

    test('a write the schema refuses fails as itself, not as SERVICE_UNAVAILABLE', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      await assert.rejects(
        repos.chats.createChat({ ...chat, now: at(1) }),
        (error) => !(error instanceof AppError),
      );
    });

    test('each owner has one hidden chat: made once, answerable in parallel, never listed', async () => {
      const ownerId = newOwner();
      const listed = await newChat(ownerId, { now: at(1) });
      const racing = await Promise.all([
        repos.chats.ensureHiddenChat(ownerId, 'demo', at(2)),
        repos.chats.ensureHiddenChat(ownerId, 'demo', at(2)),
      ]);
      const hidden = await repos.chats.ensureHiddenChat(ownerId, 'demo', at(3));
      assert.deepEqual(racing, [hidden, hidden]);
      assert.equal(hidden.hidden, true);
      assert.equal(hidden.createdAt.getTime(), at(2).getTime());
      assert.deepEqual(await repos.chats.getChat(ownerId, hidden.id), hidden);
      assert.notEqual((await repos.chats.ensureHiddenChat(newOwner(), 'demo', at(2))).id, hidden.id);

      const concurrent = await Promise.all(
        [randomUUID(), randomUUID(), randomUUID()].map((userId) =>
          repos.messages.beginAnswer({
            ownerId,
            chatId: hidden.id,
            userMessage: { id: userId, content: 'parallel', clientMessageId: null, parentId: null },
            answer: { id: randomUUID(), model: 'demo', parentId: userId },
            now: at(4),
          }),
        ),
      );
      assert.deepEqual(concurrent.map(okOr), ['ok', 'ok', 'ok']);
      assert.deepEqual((await repos.messages.listStreaming(ownerId)).length, 3);
      assert.deepEqual(ids(await repos.chats.listChats(ownerId, { limit: 10 })), [listed.id]);
    });

    test('renameChat sets the title and the activity time', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const renamed = await repos.chats.renameChat(ownerId, chat.id, 'Renamed', at(9));
      assert.deepEqual(renamed, { ...chat, title: 'Renamed', updatedAt: at(9) });
      assert.deepEqual(await repos.chats.getChat(ownerId, chat.id), renamed);
      assert.equal(await repos.chats.renameChat(ownerId, randomUUID(), 'x', at(9)), undefined);
    });

    test('deleteChat removes the chat and, by cascade, its messages, and names the answers it removed', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const { userId, answerId } = await send(ownerId, chat.id, { now: at(1) });
      await finish(answerId, at(2));
      const again = await regenerate(ownerId, chat.id, userId, at(3));
      const other = await newChat(ownerId);
      const kept = await send(ownerId, other.id, { now: at(1) });
      const empty = await newChat(ownerId);

      const deleted = await repos.chats.deleteChat(ownerId, chat.id);
      assert.deepEqual(deleted?.answerIds.toSorted(), [answerId, again.answerId].toSorted());
      assert.equal(await repos.chats.getChat(ownerId, chat.id), undefined);
      assert.equal(await repos.messages.getMessage(ownerId, userId), undefined);
      assert.equal(await repos.messages.getMessage(ownerId, answerId), undefined);
      assert.deepEqual(ids(await threadOf(ownerId, other.id)), [kept.userId, kept.answerId]);
      assert.equal(await repos.chats.deleteChat(ownerId, chat.id), undefined);
      assert.deepEqual(await repos.chats.deleteChat(ownerId, empty.id), { answerIds: [] });
    });

    test('getChatWithMessages reads the chat as getChat does, with every message in created order', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      assert.deepEqual(await repos.chats.getChatWithMessages(ownerId, chat.id), {
        chat,
        messages: [],
        thread: [],
      });

      const first = await send(ownerId, chat.id, { now: at(1) });
      await finish(first.answerId, at(1));
      const second = await send(ownerId, chat.id, { now: at(2) });
      await finish(second.answerId, at(2));
      const retried = await regenerate(ownerId, chat.id, first.userId, at(3));
      const found = await repos.chats.getChatWithMessages(ownerId, chat.id);
      assert.deepEqual(found?.chat, await repos.chats.getChat(ownerId, chat.id));
      // A prompt and its answer begin at the same instant, so the id orders them.
      const createdOrder = (ids: string[]) => ids.toSorted();
      assert.deepEqual(
        found?.messages.map((message) => message.id),
        [
          ...createdOrder([first.userId, first.answerId]),
          ...createdOrder([second.userId, second.answerId]),
          retried.answerId,
        ],
      );
      assert.deepEqual(
        found?.messages.find((message) => message.id === first.answerId),
        await repos.messages.getMessage(ownerId, first.answerId),
      );
      assert.equal(await repos.chats.getChatWithMessages(ownerId, randomUUID()), undefined);
    });

    test("another owner sees nothing and cannot rename, delete or answer in someone's chat", async () => {
      const ownerId = newOwner();
      const intruder = newOwner();
      const chat = await newChat(ownerId);
      const { userId, answerId } = await send(ownerId, chat.id, { now: at(1), clientMessageId: 'c1' });

      assert.equal(await repos.chats.getChat(intruder, chat.id), undefined);
      assert.equal(await repos.chats.getChatWithMessages(intruder, chat.id), undefined);
      assert.deepEqual(await repos.chats.listChats(intruder, { limit: 10 }), []);
      assert.equal(await repos.chats.renameChat(intruder, chat.id, 'mine', at(2)), undefined);
      assert.equal(await repos.chats.deleteChat(intruder, chat.id), undefined);
      assert.equal(await repos.messages.getMessage(intruder, userId), undefined);
      assert.equal(await repos.messages.findByClientMessageId(intruder, chat.id, 'c1'), undefined);
      assert.deepEqual(await threadOf(intruder, chat.id), []);
      assert.deepEqual(await repos.messages.listVersions(intruder, userId), []);
      assert.deepEqual(await repos.messages.listStreaming(intruder), []);
      assert.equal((await send(intruder, chat.id, { now: at(3) })).result, 'chat_not_found');
      assert.equal((await regenerate(intruder, chat.id, userId, at(3))).result, 'chat_not_found');

      assert.deepEqual(await repos.chats.getChat(ownerId, chat.id), {
        ...chat,
        title: `question ${userId}`,
        updatedAt: at(1),
      });
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [userId, answerId]);
    });
  });

  describe('answers', () => {
    test('a chat read, extended by what begin and finish wrote, reads as the chat now does', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId, { now: at(0) });
      const snapshots = [await repos.chats.getChatWithMessages(ownerId, chat.id)];
      // A first exchange, a second one, then a regeneration of the second answer (no user message), which
      // fails: every kind of row these statements write.
      const steps: { userId?: string; parentId: string | null; status: FinishAnswerInput['status'] }[] = [
        { userId: randomUUID(), parentId: null, status: 'complete' },
        { userId: randomUUID(), parentId: 'previous answer', status: 'cancelled' },
        { parentId: 'previous prompt', status: 'error' },
      ];
      let previous = { prompt: '', answer: '' };
      for (const [index, step] of steps.entries()) {
        const snapshot = snapshots.at(-1);
        assert.ok(snapshot);
        const answerId = randomUUID();
        const begin: BeginAnswerInput = {
          ownerId,
          chatId: chat.id,
          ...(step.userId && {
            userMessage: {
              id: step.userId,
              content: `Prompt ${index}\nsecond line`,
              clientMessageId: `client-${index}`,
              parentId: step.parentId && previous.answer,
            },
          }),
          answer: { id: answerId, model: `model-${index}`, parentId: step.userId ?? previous.prompt },
          messageCount: snapshot.messages.length,
          now: at(10 + index),
        };
        const begun = await repos.messages.beginAnswer(begin);
        assert.equal(typeof begun, 'object');
        const saved: FinishAnswerInput = {
          id: answerId,
          content: step.status === 'error' ? '' : `Answer ${index}`,
          status: step.status,
          finishReason: step.status === 'complete' ? 'stop' : step.status === 'error' ? 'error' : 'cancelled',
          inputTokens: step.status === 'error' ? null : 3,
          outputTokens: step.status === 'error' ? null : 2,
          errorCode: step.status === 'error' ? 'PROVIDER_ERROR' : null,
          errorMessage: step.status === 'error' ? 'It failed.' : null,
          cached: index === 0,
          now: at(20 + index),
        };
        assert.equal(await repos.messages.finishAnswer(saved), true);
        const title = typeof begun === 'object' ? begun.chatTitle : '';
        snapshots.push(
          extendSnapshot(snapshot, answerRecords({ ...begin, concurrent: false }, saved), title),
        );
        assert.deepEqual(snapshots.at(-1), await repos.chats.getChatWithMessages(ownerId, chat.id));
        previous = { prompt: step.userId ?? previous.prompt, answer: answerId };
      }
    });

    test('beginAnswer saves the user message and a streaming answer; the chat reads as their chat', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const { result, userId, answerId } = await send(ownerId, chat.id, {
        now: at(7),
        clientMessageId: 'client-1',
        model: 'gpt-test',
      });
      assert.equal(result, 'ok');
      const common = { chatId: chat.id, ownerId, model: 'gpt-test', finishReason: null, createdAt: at(7) };
      const none = {
        inputTokens: null,
        outputTokens: null,
        errorCode: null,
        errorMessage: null,
        cached: false,
        concurrent: false,
      };
      const user: MessageRecord = {
        ...common,
        ...none,
        id: userId,
        role: 'user',
        content: `question ${userId}`,
        status: 'complete',
        parentId: null,
        clientMessageId: 'client-1',
        completedAt: at(7),
      };
      const answer: MessageRecord = {
        ...common,
        ...none,
        id: answerId,
        role: 'assistant',
        content: '',
        status: 'streaming',
        parentId: userId,
        clientMessageId: null,
        completedAt: null,
      };
      const only = { versionCount: 1, versionIndex: 1 };
      assert.deepEqual(await threadOf(ownerId, chat.id), [
        { ...user, ...only },
        { ...answer, ...only },
      ]);
      assert.deepEqual(await repos.messages.getMessage(ownerId, answerId), answer);
      // Nothing wrote the chat: its title is its first prompt, its model and activity its newest message's.
      assert.deepEqual(await repos.chats.getChat(ownerId, chat.id), {
        ...chat,
        title: `question ${userId}`,
        model: 'gpt-test',
        updatedAt: at(7),
      });
    });

    test('a chosen title is kept; an untitled chat reads as the first line of its first prompt', async () => {
      const ownerId = newOwner();
      const chosen = await newChat(ownerId, { title: 'Chosen' });
      await send(ownerId, chosen.id, { now: at(1) });
      assert.equal((await repos.chats.getChat(ownerId, chosen.id))?.title, 'Chosen');

      const untitled = await newChat(ownerId);
      assert.equal((await repos.chats.getChat(ownerId, untitled.id))?.title, UNTITLED_CHAT_TITLE);
      const userId = randomUUID();
      await repos.messages.beginAnswer({
        ownerId,
        chatId: untitled.id,
        userMessage: {
          id: userId,
          content: `  \n${'A long first line '.repeat(10)}\nsecond line`,
          clientMessageId: null,
          parentId: null,
        },
        answer: { id: randomUUID(), model: 'demo', parentId: userId },
        now: at(2),
      });
      const [listed] = await repos.chats.listChats(ownerId, { limit: 1 });
      assert.equal(listed?.id, untitled.id);
      assert.equal(listed?.title, `${'A long first line '.repeat(10).slice(0, 59)}…`);
    });

    test('beginAnswer answers with the chat title as lists show it once the answer is in', async () => {
      const ownerId = newOwner();
      const begin = (chatId: string, content: string, parentId: string | null, now: Date) => {
        const userId = randomUUID();
        return repos.messages.beginAnswer({
          ownerId,
          chatId,
          userMessage: { id: userId, content, clientMessageId: null, parentId },
          answer: { id: randomUUID(), model: 'demo', parentId: userId },
          now,
        });
      };
      const named = await newChat(ownerId, { title: 'Named' });
      assert.deepEqual(await begin(named.id, 'first prompt', null, at(1)), { chatTitle: 'Named' });

      const untitled = await newChat(ownerId);
      assert.deepEqual(await begin(untitled.id, 'Hello there\nmore', null, at(1)), {
        chatTitle: 'Hello there',
      });
      const answer = (await repos.messages.listStreaming(ownerId)).find((m) => m.chatId === untitled.id);
      assert.ok(answer);
      await finish(answer.id, at(2));
      // The first prompt names the chat, not the newest one.
      assert.deepEqual(await begin(untitled.id, 'Later prompt', answer.id, at(3)), {
        chatTitle: 'Hello there',
      });
    });

    test('beginAnswer with a message count the chat no longer holds writes nothing', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const first = await send(ownerId, chat.id, { now: at(1), messageCount: 0 });
      assert.equal(first.result, 'ok');
      await finish(first.answerId, at(2));

      const stale = await send(ownerId, chat.id, { now: at(3), messageCount: 0 });
      assert.equal(stale.result, 'stale_chat');
      assert.equal(await repos.messages.getMessage(ownerId, stale.userId), undefined);
      assert.equal(await repos.messages.getMessage(ownerId, stale.answerId), undefined);

      assert.equal((await send(ownerId, chat.id, { now: at(3), messageCount: 2 })).result, 'ok');
      assert.equal((await threadOf(ownerId, chat.id)).length, 4);
    });

    test('beginAnswer on a missing chat writes nothing', async () => {
      const ownerId = newOwner();
      const { result, userId } = await send(ownerId, randomUUID(), { now: at(1) });
      assert.equal(result, 'chat_not_found');
      assert.equal(await repos.messages.getMessage(ownerId, userId), undefined);
    });

    test('a second answer while one streams is in_progress and leaves nothing behind', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const first = await send(ownerId, chat.id, { now: at(1) });
      const second = await send(ownerId, chat.id, { now: at(2), clientMessageId: 'c2' });
      assert.equal(second.result, 'in_progress');
      assert.equal((await regenerate(ownerId, chat.id, first.userId, at(2))).result, 'in_progress');

      // The statement wrote nothing: no user message, so the chat reads as before.
      assert.equal(await repos.messages.getMessage(ownerId, second.userId), undefined);
      assert.equal(await repos.messages.findByClientMessageId(ownerId, chat.id, 'c2'), undefined);
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [first.userId, first.answerId]);
      assert.deepEqual(await repos.chats.getChat(ownerId, chat.id), {
        ...chat,
        title: `question ${first.userId}`,
        updatedAt: at(1),
      });

      await finish(first.answerId, at(3));
      assert.equal((await send(ownerId, chat.id, { now: at(4), clientMessageId: 'c2' })).result, 'ok');
    });

    test('concurrent answers to one chat: exactly one begins', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => send(ownerId, chat.id, { now: at(1) })),
      );
      assert.deepEqual(results.map((attempt) => attempt.result).toSorted(), [
        'in_progress',
        'in_progress',
        'in_progress',
        'in_progress',
        'in_progress',
        'ok',
      ]);
      assert.equal((await threadOf(ownerId, chat.id)).length, 2);
    });

    test('a reused client message id in the same chat is duplicate_client_message', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const first = await send(ownerId, chat.id, { now: at(1), clientMessageId: 'same' });
      await finish(first.answerId, at(2));
      const again = await send(ownerId, chat.id, { now: at(3), clientMessageId: 'same' });
      assert.equal(again.result, 'duplicate_client_message');
      assert.equal(await repos.messages.getMessage(ownerId, again.answerId), undefined);
      assert.equal((await repos.chats.getChat(ownerId, chat.id))?.updatedAt.getTime(), at(1).getTime());

      const otherChat = await newChat(ownerId);
      assert.equal((await send(ownerId, otherChat.id, { now: at(4), clientMessageId: 'same' })).result, 'ok');
      assert.equal((await send(ownerId, otherChat.id, { now: at(5) })).result, 'in_progress');
    });

    test('findByClientMessageId returns the user message and its newest answer', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const sent = await send(ownerId, chat.id, { now: at(1), clientMessageId: 'retry-me' });
      const found = await repos.messages.findByClientMessageId(ownerId, chat.id, 'retry-me');
      assert.equal(found?.user.id, sent.userId);
      assert.equal(found?.answer?.id, sent.answerId);

      await finish(sent.answerId, at(2));
      const newer = await regenerate(ownerId, chat.id, sent.userId, at(3));
      assert.equal(
        (await repos.messages.findByClientMessageId(ownerId, chat.id, 'retry-me'))?.answer?.id,
        newer.answerId,
      );
      assert.equal(await repos.messages.findByClientMessageId(ownerId, chat.id, 'unknown'), undefined);
    });

    test('finishAnswer saves the final answer once', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const { answerId } = await send(ownerId, chat.id, { now: at(1) });
      const cancelled = {
        content: 'partial',
        status: 'cancelled',
        finishReason: 'cancelled',
        inputTokens: 5,
        outputTokens: 2,
        errorCode: 'PROVIDER_TIMEOUT',
        errorMessage: 'slow',
      } as const;
      assert.equal(await finish(answerId, at(4), cancelled), true);
      assert.equal(await finish(answerId, at(5)), false);
      assert.equal(await finish(randomUUID(), at(5)), false);

      const saved = await repos.messages.getMessage(ownerId, answerId);
      assert.deepEqual({ ...saved, ...cancelled, completedAt: at(4) }, saved);
      assert.deepEqual(await repos.messages.listStreaming(ownerId), []);
    });

    test('an answer is two writes: one statement to begin, one to finish', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const before = subject.writeCount();
      const { answerId } = await send(ownerId, chat.id, { now: at(1) });
      assert.equal(subject.writeCount() - before, 1, 'user message and answer, in one statement');
      await finish(answerId, at(2));
      assert.equal(subject.writeCount() - before, 2, 'one UPDATE to finish');
    });

    test('regenerated versions: the thread follows the newest, listVersions lists all, oldest first', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const turn1 = await send(ownerId, chat.id, { now: at(1) });
      await finish(turn1.answerId, at(2));
      const turn2 = await send(ownerId, chat.id, { now: at(3) });
      await finish(turn2.answerId, at(4));
      const version2 = await regenerate(ownerId, chat.id, turn1.userId, at(5));
      assert.equal(version2.result, 'ok');
      await finish(version2.answerId, at(6), { cached: true });
      const version3 = await regenerate(ownerId, chat.id, turn1.userId, at(7));

      // turn2 followed the first version: a new version of an earlier answer starts a branch without it.
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [turn1.userId, version3.answerId]);
      const versions = await repos.messages.listVersions(ownerId, turn1.answerId);
      assert.deepEqual(ids(versions), [turn1.answerId, version2.answerId, version3.answerId]);
      assert.deepEqual(
        versions.map((version) => [version.cached, version.versionIndex, version.versionCount]),
        [
          [false, 1, 3],
          [true, 2, 3],
          // Whether an answer came from the cache is saved with it; one still streaming is not yet.
          [false, 3, 3],
        ],
      );
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, turn2.answerId)), [turn2.answerId]);
    });

    test('regenerating needs a user message of the same chat as parent, and writes nothing otherwise', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const sent = await send(ownerId, chat.id, { now: at(1) });
      await finish(sent.answerId, at(2));
      const elsewhere = await newChat(ownerId);

      for (const [chatId, parentId] of [
        [chat.id, sent.answerId],
        [chat.id, randomUUID()],
        [elsewhere.id, sent.userId],
      ] as const) {
        const attempt = regenerate(ownerId, chatId, parentId, at(3));
        await assert.rejects(
          attempt,
          (error) => error instanceof AppError && error.code === 'NOTHING_TO_REGENERATE',
        );
      }
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, sent.answerId)), [sent.answerId]);
      assert.deepEqual(await repos.chats.getChat(ownerId, elsewhere.id), elsewhere);
    });

    test('an edit branches: the thread follows the newest branch, the old one stays reachable as versions', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const turn1 = await send(ownerId, chat.id, { now: at(1) });
      await finish(turn1.answerId, at(2));
      const turn2 = await send(ownerId, chat.id, { now: at(3) });
      await finish(turn2.answerId, at(4));
      const turn3 = await send(ownerId, chat.id, { now: at(5) });
      await finish(turn3.answerId, at(6));
      const edit = await send(ownerId, chat.id, { now: at(7), parentId: turn1.answerId });
      assert.equal(edit.result, 'ok');
      await finish(edit.answerId, at(8));

      const thread = await threadOf(ownerId, chat.id);
      assert.deepEqual(
        thread.map((message) => [message.id, message.versionIndex, message.versionCount]),
        [
          [turn1.userId, 1, 1],
          [turn1.answerId, 1, 1],
          [edit.userId, 2, 2],
          [edit.answerId, 1, 1],
        ],
      );
      const edits = await repos.messages.listVersions(ownerId, turn2.userId);
      assert.deepEqual(
        edits.map((message) => [message.id, message.versionIndex, message.versionCount]),
        [
          [turn2.userId, 1, 2],
          [edit.userId, 2, 2],
        ],
      );
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, edit.userId)), ids(edits));
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, turn3.answerId)), [turn3.answerId]);

      // A regenerated answer on the new branch is a version of its answer only.
      const again = await regenerate(ownerId, chat.id, edit.userId, at(9));
      await finish(again.answerId, at(10));
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [
        turn1.userId,
        turn1.answerId,
        edit.userId,
        again.answerId,
      ]);
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, again.answerId)), [
        edit.answerId,
        again.answerId,
      ]);

      // Editing the first message starts a new root: the thread is that branch alone.
      const root = await send(ownerId, chat.id, { now: at(11), parentId: null });
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [root.userId, root.answerId]);
      assert.deepEqual(ids(await repos.messages.listVersions(ownerId, root.userId)), [
        turn1.userId,
        root.userId,
      ]);
    });

    test('a user message follows an answer of its own chat, and writes nothing otherwise', async () => {
      const ownerId = newOwner();
      const chat = await newChat(ownerId);
      const sent = await send(ownerId, chat.id, { now: at(1) });
      await finish(sent.answerId, at(2));
      const elsewhere = await newChat(ownerId);
      const foreign = await send(ownerId, elsewhere.id, { now: at(1) });
      await finish(foreign.answerId, at(2));

      for (const parentId of [sent.userId, foreign.answerId]) {
        await assert.rejects(
          send(ownerId, chat.id, { now: at(3), parentId }),
          (error) => error instanceof AppError && error.code === 'NOT_FOUND',
        );
      }
      assert.deepEqual(ids(await threadOf(ownerId, chat.id)), [sent.userId, sent.answerId]);
      assert.equal((await repos.chats.getChat(ownerId, chat.id))?.updatedAt.getTime(), at(1).getTime());
    });

    test("listStreaming lists the owner's streaming answers across chats, newest first", async () => {
      const ownerId = newOwner();
      const chats = await Promise.all([newChat(ownerId), newChat(ownerId), newChat(ownerId)]);
      const [a, b, c] = chats.map((chat) => chat.id) as [string, string, string];
      const first = await send(ownerId, a, { now: at(1) });
      const done = await send(ownerId, b, { now: at(2) });
      await finish(done.answerId, at(3));
      const last = await send(ownerId, c, { now: at(4) });
      const stranger = newOwner();
      assert.equal((await send(stranger, (await newChat(stranger)).id, { now: at(5) })).result, 'ok');

      const streaming = await repos.messages.listStreaming(ownerId);
      assert.deepEqual(ids(streaming), [last.answerId, first.answerId]);
      assert.ok(streaming.every((message) => message.status === 'streaming' && message.ownerId === ownerId));
    });

    test('interruptStreaming marks every streaming answer, of every owner, interrupted', async () => {
      // A database of its own, so the count covers every answer in it.
      const own = await create();
      const { chats, messages } = own.repositories;
      async function stream(ownerId: string) {
        const chat = await chats.createChat({
          id: randomUUID(),
          ownerId,
          title: 't',
          model: 'demo',
          now: at(0),
        });
        const userMessage = { id: randomUUID(), content: 'q', clientMessageId: null, parentId: null };
        const answer = { id: randomUUID(), model: 'demo', parentId: userMessage.id };
        await messages.beginAnswer({ ownerId, chatId: chat.id, userMessage, answer, now: at(1) });
        return answer.id;
      }
      try {
        const [finished, streaming, alsoStreaming] = [newOwner(), newOwner(), newOwner()];
        const finishedId = await stream(finished);
        const streamingId = await stream(streaming);
        await stream(alsoStreaming);
        await messages.finishAnswer({
          id: finishedId,
          content: 'done',
          status: 'complete',
          finishReason: 'stop',
          inputTokens: 1,
          outputTokens: 1,
          errorCode: null,
          errorMessage: null,
          cached: false,
          now: at(2),
        });

        assert.equal(await messages.interruptStreaming(at(9)), 2);
        const interrupted = await messages.getMessage(streaming, streamingId);
        assert.deepEqual(
          [interrupted?.status, interrupted?.finishReason, interrupted?.errorCode, interrupted?.completedAt],
          ['interrupted', 'error', 'GENERATION_INTERRUPTED', at(9)],
        );
        assert.equal((await messages.getMessage(finished, finishedId))?.status, 'complete');
        assert.deepEqual(await messages.listStreaming(alsoStreaming), []);
        assert.equal(await messages.interruptStreaming(at(10)), 0);
      } finally {
        await own.cleanup();
      }
    });

    test('ping answers', async () => {
      await repos.ping();
    });
  });

  describe('API keys', () => {
    apiKeyRepositoryContract(() => repos.apiKeys);
  });
}
