import type { ModelRequest } from '../../server/src/providers/provider.ts';

/** A request that sets every generation option, for each adapter's test of its request body. */
export const everyOptionRequest: ModelRequest = {
  model: 'test-model',
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Tell me more' },
  ],
  // Within OpenAI's range of 0 to 2, over Anthropic's maximum of 1.
  temperature: 1.5,
  topP: 0.9,
  topK: 40,
  maxTokens: 256,
  stop: ['END'],
  seed: 7,
};
