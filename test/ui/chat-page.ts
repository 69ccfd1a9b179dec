import type { Locator, Page } from 'playwright-core';

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

/** What the journeys do on the chat page, by what a person sees: roles, labels and visible text. */
export function chatPage(page: Page) {
  const composer = page.getByRole('textbox', { name: 'Message' });
  const answers = page.locator('article.message.assistant');
  const userMessages = page.locator('.message.user .bubble');
  return {
    composer,
    answers,
    userMessages,
    banner: page.getByRole('alert').filter({ hasText: /./ }).first(),
    stopButton: page.getByRole('button', { name: 'Stop generating' }),
    sendButton: page.getByRole('button', { name: 'Send message' }),
    lastAnswer: () => answers.last(),
    async send(text: string) {
      await composer.fill(text);
      await composer.press('Enter');
    },
    /** Waits until the last answer has a final status, and returns it. */
    async waitForAnswerEnd(timeout = 30_000): Promise<string> {
      const last = answers.last();
      await last.and(page.locator(':not([data-status="streaming"])')).waitFor({ timeout });
      return (await last.getAttribute('data-status')) ?? '';
    },
    async answerText(answer: Locator = answers.last()): Promise<string> {
      return (await textOf(answer.locator('.markdown'))).trim();
    },
    /** Waits until the last answer shows at least `chars` characters of text. */
    async waitForAnswerText(chars: number, timeout = 20_000): Promise<string> {
      const deadline = Date.now() + timeout;
      for (;;) {
        const markdown = answers.last().locator('.markdown');
        const text = (await markdown.count()) > 0 ? await textOf(markdown) : '';
        if (text.length >= chars) {
          return text;
        }
        if (Date.now() > deadline) {
          throw new Error(`the answer reached only ${text.length} characters`);
        }
        await page.waitForTimeout(25);
      }
    },
    chatIdFromUrl(): string {
      const match = /\/chat\/([0-9a-f-]{36})$/.exec(page.url());
      if (!match?.[1]) {
        throw new Error(`not on a chat page: ${page.url()}`);
      }
      return match[1];
    },
  };
}
