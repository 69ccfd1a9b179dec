import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorData } from '../protocol/events.ts';
import { AppError } from '../server/src/app-error.ts';
import { sendMessage, waitForSavedAnswer } from './helpers/native-client.ts';
import { collectSse } from './helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from './helpers/start-parley.ts';

let server: RunningParley;

before(async () => {
  server = await startParley({
    demo: { tokensPerSecond: 50 },
    generation: { appendRetryMs: 100 },
    streamLog: {
      wrap: (log) => ({
        ...log,
        append: (key, event, id) =>
          event.type === 'start'
            ? Promise.reject(new AppError('SERVICE_UNAVAILABLE'))
            : log.append(key, event, id),
      }),
    },
  });
});
after(() => server.close());

test('a start the stream log cannot take stops the answer: the requester reads why, and it is saved as failed', async () => {
  const headers = anonymous();
  const chatId = await createChat(server.url, headers);
  const response = await sendMessage(server.url, headers, chatId, { content: 'hello', maxTokens: 500 });
  assert.equal(response.status, 200);
  const events = await collectSse(response);

  // The requester reads `start` before the log has it: it learns the answer's id at once, then why it stopped.
  assert.equal(events[0]?.event, 'start');
  assert.deepEqual(
    events.slice(-2).map((event) => event.event),
    ['error', 'end'],
  );
  const error = JSON.parse(events.at(-2)?.data ?? '{}') as ErrorData;
  assert.equal(error.code, 'SERVICE_UNAVAILABLE');
  const { messageId } = JSON.parse(events[0]?.data ?? '{}') as { messageId: string };
  const saved = await waitForSavedAnswer(server.url, headers, chatId, messageId);
  assert.equal(saved.status, 'error');
  assert.equal(saved.errorCode, 'SERVICE_UNAVAILABLE');
});
