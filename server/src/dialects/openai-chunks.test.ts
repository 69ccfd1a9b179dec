import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StartData } from '../../../protocol/events.ts';
import type { ChatCompletionChunk } from '../../../protocol/openai.ts';
import { createOpenAIChunkRenderer } from './openai-chunks.ts';

// Characters JSON escapes, in every field the renderer copies in.
const context = { id: 'chatcmpl-"a"\\b', created: 1_763_700_000, model: 'local/"fake"\nmodel' };
const text = 'Hé "quoted" \\ \n\t\u2028 ✓ 😀';

const start: StartData = {
  streamId: 's',
  chatId: 'c',
  messageId: 'm',
  userMessageId: 'u',
  model: context.model,
  cached: false,
  createdAt: '2025-11-21T00:00:00.000Z',
};

/** What the renderer must send: the SSE line of the whole chunk object, as JSON.stringify writes it. */
function frame(
  delta: ChatCompletionChunk['choices'][0]['delta'],
  finish: ChatCompletionChunk['choices'][0]['finish_reason'],
  includeUsage: boolean,
): string {
  const chunk: ChatCompletionChunk = {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage && { usage: null }),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

describe('OpenAI chunk renderer', () => {
  for (const includeUsage of [false, true]) {
    test(`renders each event as the JSON of its whole chunk (include_usage ${includeUsage})`, () => {
      const render = createOpenAIChunkRenderer({ ...context, includeUsage });
      assert.equal(
        render({ type: 'start', data: start }),
        frame({ role: 'assistant', content: '' }, null, includeUsage),
      );
      assert.equal(render({ type: 'text', data: { text } }), frame({ content: text }, null, includeUsage));
      const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
      assert.equal(
        render({ type: 'tool_call', data: call }),
        frame(
          {
            tool_calls: [
              {
                index: 0,
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              },
            ],
          },
          null,
          includeUsage,
        ),
      );
      assert.equal(render({ type: 'usage', data: { inputTokens: 3, outputTokens: 5 } }), '');
      const usage = {
        id: context.id,
        object: 'chat.completion.chunk',
        created: context.created,
        model: context.model,
        system_fingerprint: null,
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      } satisfies ChatCompletionChunk;
      assert.equal(
        render({ type: 'end', data: { status: 'complete', finishReason: 'tool_calls' } }),
        frame({}, 'tool_calls', includeUsage) +
          (includeUsage ? `data: ${JSON.stringify(usage)}\n\n` : '') +
          'data: [DONE]\n\n',
      );
    });
  }
});
