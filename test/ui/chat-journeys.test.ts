import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { FakeUpstream } from '../fakes/fake-upstream.ts';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { launchBrowser, newPersonContext, screenshot } from './browser.ts';
import { chatPage, textOf } from './chat-page.ts';
import { startMarkdownOllama } from './markdown-ollama.ts';
import { startUiParley } from './ui-parley.ts';

describe('chat journeys', () => {
  let parley: SpawnedParley;
  let ollama: FakeUpstream;
  let browser: Browser;

  before(async () => {
    ollama = await startMarkdownOllama();
    parley = await startUiParley({ OLLAMA_HOST: ollama.url, DEMO_FIRST_TOKEN_DELAY_MS: '400' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await parley?.stop();
    await ollama?.close();
  });

  async function openNewChat(options: Parameters<typeof newPersonContext>[1] = {}): Promise<Page> {
    const context = await newPersonContext(browser, options);
    const page = await context.newPage();
    await page.goto(`${parley.url}/chat`);
    await chatPage(page).composer.waitFor();
    return page;
  }

  test('sends with Enter, shows the message at once, a typing indicator, then the streamed answer', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await page.getByRole('button', { name: /Explain streaming/ }).waitFor();
    await screenshot(page, '01-new-chat');

    await chat.composer.fill('How does streaming work');
    await chat.composer.press('Shift+Enter');
    await chat.composer.pressSequentially('over a network?');
    assert.equal(await chat.composer.inputValue(), 'How does streaming work\nover a network?');
    assert.equal(await chat.userMessages.count(), 0, 'Shift+Enter must not send');

    await chat.composer.press('Enter');
    await chat.userMessages.first().waitFor({ timeout: 1000 });
    assert.equal(await chat.userMessages.first().textContent(), 'How does streaming work\nover a network?');
    assert.equal(await chat.composer.inputValue(), '');
    await page.getByRole('status', { name: 'Parley is typing' }).waitFor({ timeout: 1000 });
    await screenshot(page, '02-typing');

    const partial = await chat.waitForAnswerText(60);
    assert.equal(await chat.lastAnswer().getAttribute('data-status'), 'streaming');
    await chat.stopButton.waitFor();
    await screenshot(page, '03-streaming');

    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    const full = await chat.answerText();
    assert.ok(full.length > partial.length);
    assert.ok(full.startsWith(partial.trim().slice(0, 40)));
    await chat.sendButton.waitFor();
    chat.chatIdFromUrl();
    const sidebarItem = page.getByRole('navigation', { name: 'Chat history' }).getByRole('link').first();
    await sidebarItem.and(page.getByRole('link', { name: 'How does streaming work', exact: true })).waitFor();
    assert.equal(await sidebarItem.getAttribute('aria-current'), 'page');
    await screenshot(page, '04-answer-complete');
    await page.context().close();
  });

  test('stops an answer with the Stop button and with Esc, keeping the partial text', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('Tell me about rivers and forests.');
    await chat.waitForAnswerText(40);
    await chat.stopButton.click();
    assert.equal(await chat.waitForAnswerEnd(), 'cancelled');
    const stopped = await chat.answerText();
    assert.ok(stopped.length >= 40);
    await chat.lastAnswer().getByText('Stopped').waitFor();
    await screenshot(page, '05-stopped');

    await chat.send('And what about mountains?');
    await chat.waitForAnswerText(20);
    await page.keyboard.press('Escape');
    assert.equal(await chat.waitForAnswerEnd(), 'cancelled');
    const escaped = await chat.answerText();

    await page.reload();
    await chat.answers.nth(1).waitFor();
    assert.equal(await chat.answers.first().getAttribute('data-status'), 'cancelled');
    assert.equal(await chat.answerText(chat.answers.first()), stopped);
    assert.equal(await chat.answerText(chat.answers.nth(1)), escaped);
    await page.context().close();
  });

  test('tells when an answer finishes in a chat that is not on screen', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('Tell me about the night sky.');
    await chat.waitForAnswerText(20);
    await page.getByRole('link', { name: 'New chat' }).first().click();
    await page.waitForURL('**/chat');
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByText('(answering)').waitFor({ state: 'attached' });
    const notice = page.getByRole('listitem').filter({ hasText: 'Answer ready' });
    await notice.getByText('Tell me about the night sky.').waitFor({ timeout: 20_000 });
    await screenshot(page, '16-background-answer-notice');
    await notice.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    assert.equal(await chat.lastAnswer().getAttribute('data-status'), 'complete');
    await page.context().close();
  });

  test('regenerates the last answer and pages between its versions', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('How do I cook pasta so it tastes good?');
    await chat.waitForAnswerEnd();
    const first = await chat.answerText();

    await page.getByRole('button', { name: 'Regenerate answer' }).click();
    await page.getByRole('status', { name: 'Parley is typing' }).waitFor();
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    const second = await chat.answerText();
    assert.notEqual(second, first);
    const pager = page.getByRole('group', { name: 'Answer versions' });
    await pager.getByText('2 / 2').waitFor();
    await screenshot(page, '06-regenerated');

    await pager.getByRole('button', { name: 'Previous version' }).click();
    await pager.getByText('1 / 2').waitFor();
    assert.equal(await chat.answerText(), first);
    await pager.getByRole('button', { name: 'Next version' }).click();
    assert.equal(await chat.answerText(), second);

    await page.reload();
    await page.getByRole('group', { name: 'Answer versions' }).getByText('2 / 2').waitFor();
    assert.equal(await chat.answerText(), second);
    await page.context().close();
  });

  test('edits a message: the edit and its answer replace the rest of the chat, a pager keeps the original', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('Tell me about gardens.');
    await chat.waitForAnswerEnd();
    await chat.send('And about orchards?');
    await chat.waitForAnswerEnd();
    await chat.userMessages.first().hover();
    await page.getByRole('button', { name: 'Edit and resend' }).first().click();
    const editor = page.getByRole('textbox', { name: 'Edit your message' });
    assert.equal(await editor.inputValue(), 'Tell me about gardens.');
    await page.getByText('Replaces this message and the conversation after it').waitFor();
    await editor.fill('Tell me about vegetable gardens in spring.');
    await screenshot(page, '07-editing');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.deepEqual(await chat.userMessages.allTextContents(), [
      'Tell me about vegetable gardens in spring.',
    ]);
    assert.equal(await chat.answers.count(), 1);
    const pager = page.getByRole('group', { name: 'Message versions' });
    await pager.getByText('2 / 2').waitFor();
    await page.mouse.move(0, 0);
    await pager.scrollIntoViewIfNeeded();
    await screenshot(page, '07b-edited-with-pager');

    // The branch is the chat now, also after a reload; paging shows the original text, read-only.
    await page.reload();
    await pager.getByText('2 / 2').waitFor();
    assert.deepEqual(await chat.userMessages.allTextContents(), [
      'Tell me about vegetable gardens in spring.',
    ]);
    await pager.getByRole('button', { name: 'Previous version' }).click();
    await pager.getByText('1 / 2').waitFor();
    assert.deepEqual(await chat.userMessages.allTextContents(), ['Tell me about gardens.']);
    await page.getByText('An earlier version.').waitFor();
    await screenshot(page, '07c-earlier-version');
    assert.equal(await chat.answers.count(), 1);
    await page.context().close();
  });

  test('renders model output as sanitized Markdown: no script runs, no raw HTML', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('__xss_test__');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    const answer = chat.lastAnswer();
    await answer.locator('strong', { hasText: 'Markdown' }).waitFor();
    await answer.getByText('<img src=x onerror="window.__xss=1">').waitFor();
    await answer.getByText('nothing above ran').waitFor();
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    const messages = page.locator('.messages');
    assert.equal(await messages.locator('script, img, iframe, [onerror]').count(), 0);
    assert.equal(await messages.locator('a[href^="javascript:"]').count(), 0);
    await answer.getByText('click', { exact: true }).click();
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    await screenshot(page, '08-xss-inert');
    await page.context().close();
  });

  test('switches models per chat, remembers each chat’s model, and renders rich Markdown', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    const picker = page.getByRole('button', { name: /^Model:/ });
    await picker.filter({ hasText: 'Demo' }).waitFor();
    await picker.getByText('Local').waitFor();
    await chat.send('Hello demo');
    await chat.waitForAnswerEnd();
    const demoChat = chat.chatIdFromUrl();

    await page.getByRole('link', { name: 'New chat' }).first().click();
    await picker.click();
    const menu = page.getByRole('menu', { name: 'Models' });
    await menu.getByRole('menuitemradio', { name: /Demo/ }).getByText('Built into Parley').waitFor();
    await screenshot(page, '09-model-menu');
    await menu.getByRole('menuitemradio', { name: /llama3\.2:latest/ }).click();
    assert.match(await textOf(picker), /llama3\.2:latest/);
    await chat.send('Compare SSE and WebSockets');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    const ollamaChat = chat.chatIdFromUrl();
    const answer = chat.lastAnswer();
    assert.equal(await answer.locator('table th').count(), 3);
    assert.equal(await answer.locator('ol > li').count(), 2);
    assert.ok((await answer.locator('pre code .hljs-keyword').count()) > 0, 'code is highlighted');
    await answer.getByRole('button', { name: 'Copy code' }).waitFor();
    await answer.getByText(/llama3\.2:latest/).waitFor();
    const request = ollama.requests.findLast((recorded) => recorded.path === '/api/chat');
    assert.equal((request?.body as { model?: string } | undefined)?.model, 'llama3.2:latest');
    await screenshot(page, '10-markdown-answer');

    await page.getByRole('link', { name: 'Hello demo' }).click();
    await page.waitForURL(`**/chat/${demoChat}`);
    assert.match(await textOf(picker), /Demo/);
    await page.goto(`${parley.url}/chat/${ollamaChat}`);
    await chat.answers.first().waitFor();
    assert.match(await textOf(picker), /llama3\.2:latest/);
    await page.context().close();
  });

  test('works with the keyboard alone, with labels a screen reader can read', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    assert.equal(await page.evaluate('document.activeElement?.id'), 'composer');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('Hello from the keyboard');
    await page.keyboard.press('Enter');
    // The conversation is a log that screen readers read once an answer is complete, not token by token.
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.and(page.locator('[aria-busy="true"]')).waitFor();
    await chat.waitForAnswerEnd();
    await log.and(page.locator('[aria-busy="false"]')).waitFor();

    const picker = page.getByRole('button', { name: /^Model:/ });
    await picker.focus();
    await page.keyboard.press('Enter');
    const options = page.getByRole('menu', { name: 'Models' }).getByRole('menuitemradio');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-checked")'), 'true');
    await page.keyboard.press('ArrowDown');
    const focused = (await page.evaluate('document.activeElement?.textContent')) as string;
    assert.match(focused, /llama3\.2:latest/);
    await page.keyboard.press('Enter');
    assert.equal(await options.count(), 0, 'the menu closed');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-haspopup")'), 'menu');
    assert.match(await textOf(picker), /llama3\.2:latest/);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    assert.equal(await options.count(), 0, 'Esc closes the menu');
    await page.context().close();
  });

  test('pulls an Ollama model from the selector with a progress bar', async () => {
    const page = await openNewChat();
    await page.getByRole('button', { name: /^Model:/ }).click();
    const pull = page.getByRole('form', { name: 'Pull a model from Ollama' });
    await pull.getByRole('textbox').fill('llama3.2');
    await pull.getByRole('button', { name: 'Pull' }).click();
    const bar = page.getByRole('progressbar', { name: 'Pulling llama3.2' });
    await page.waitForFunction(`(() => {
      const now = Number(document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow'));
      return now > 0 && now < 100;
    })()`);
    await page.waitForTimeout(300);
    await screenshot(page, '11-model-pull');
    await bar.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match(await textOf(page.getByRole('button', { name: /^Model:/ })), /llama3\.2:latest/);
    assert.ok(ollama.requests.some((request) => request.path === '/api/pull'));
    await page.context().close();
  });

  test('renames and deletes chats from the sidebar', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('A chat to rename');
    await chat.waitForAnswerEnd();
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByRole('button', { name: 'Rename “A chat to rename”' }).click();
    const title = history.getByRole('textbox', { name: 'Chat title' });
    await title.fill('Renamed chat');
    await title.press('Enter');
    await history.getByRole('link', { name: 'Renamed chat' }).waitFor();
    await page.reload();
    await history.getByRole('link', { name: 'Renamed chat' }).waitFor();
    await page.getByRole('heading', { name: 'Renamed chat' }).waitFor();

    await history.getByRole('button', { name: 'Delete “Renamed chat”' }).click();
    await page.waitForTimeout(200);
    await screenshot(page, '12-confirm-delete');
    await history.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL('**/chat');
    assert.equal(await history.getByRole('link', { name: 'Renamed chat' }).count(), 0);
    await page.reload();
    await page.getByText('Your chats will appear here.').waitFor();
    await page.context().close();
  });

  test('works on a phone-width screen, in dark mode', async () => {
    const page = await openNewChat({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const chat = chatPage(page);
    await screenshot(page, '13-mobile-empty-dark');
    await chat.send('How does streaming work over a network?');
    await chat.waitForAnswerEnd();
    assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 390);
    await screenshot(page, '14-mobile-chat-dark');
    await page.getByRole('button', { name: 'Open the chat list' }).click();
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByRole('link').first().waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, '15-mobile-sidebar-dark');
    await history.getByRole('link').first().click();
    await history.waitFor({ state: 'hidden' });
    await page.context().close();
  });
});
