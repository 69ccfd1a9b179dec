import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { launchBrowser, newPersonContext, screenshot } from './browser.ts';
import { chatPage } from './chat-page.ts';
import { startUiParley } from './ui-parley.ts';

// Slow enough that an answer is still streaming when the page reloads or the network drops.
const env = { DEMO_TOKENS_PER_SECOND: '25', DEMO_FIRST_TOKEN_DELAY_MS: '200' };

describe('answers survive reloads, network loss, other tabs and restarts', () => {
  let dataDir: string;
  let parley: SpawnedParley;
  let proxy: TcpProxy;
  let browser: Browser;

  const restart = async () => {
    parley = await startUiParley({ ...env, DATA_DIR: dataDir });
    proxy.setTarget(Number(new URL(parley.url).port));
  };

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-ui-'));
    parley = await startUiParley({ ...env, DATA_DIR: dataDir });
    proxy = await startTcpProxy(Number(new URL(parley.url).port));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await parley?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openNewChat(anonId?: string): Promise<Page> {
    const context = await newPersonContext(browser, anonId ? { anonId } : {});
    const page = await context.newPage();
    await page.goto(`${proxy.url}/chat`);
    await chatPage(page).composer.waitFor();
    return page;
  }

  /** The answer as the server saved it, rendered by a fresh page: what the live text must equal. */
  async function savedAnswerText(page: Page): Promise<string> {
    const fresh = await page.context().newPage();
    await fresh.goto(page.url());
    const chat = chatPage(fresh);
    await chat.waitForAnswerEnd();
    const text = await chat.answerText();
    await fresh.close();
    return text;
  }

  test('a reload mid-answer shows what was generated and continues with no gap or repeat', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('Tell me about rivers and forests.');
    const before = await chat.waitForAnswerText(120);
    await page.reload();
    const resumed = await chat.waitForAnswerText(before.length);
    assert.ok(resumed.startsWith(before.slice(0, 100)), 'the text generated before the reload is shown');
    assert.equal(await chat.lastAnswer().getAttribute('data-status'), 'streaming');
    await screenshot(page, '20-resumed-after-reload');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.equal(await chat.answerText(), await savedAnswerText(page));
    await page.context().close();
  });

  test('losing the network mid-answer resumes from the last event with no gap or repeat', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('How do packets travel across networks?');
    await chat.waitForAnswerText(80);
    proxy.dropConnections();
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.equal(await chat.answerText(), await savedAnswerText(page));
    await page.context().close();
  });

  test('a second tab shows an answer started in the first', async () => {
    const anonId = crypto.randomUUID();
    const first = await openNewChat(anonId);
    const chat = chatPage(first);
    await chat.send('Tell me about the night sky.');
    await chat.waitForAnswerText(10);
    const chatId = chat.chatIdFromUrl();

    const second = await first.context().newPage();
    await second.goto(`${proxy.url}/chat/${chatId}`);
    const other = chatPage(second);
    await other.waitForAnswerText(10);
    assert.equal(await other.lastAnswer().getAttribute('data-status'), 'streaming');
    await screenshot(second, '21-second-tab-streaming');
    assert.equal(await other.waitForAnswerEnd(), 'complete');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.equal(await other.answerText(), await chat.answerText());

    // With the control channel up, a tab that is already open hears of the next answer and streams it too.
    await second.locator('.connection[data-state="online"]').waitFor();
    await chat.send('And the moon?');
    await other.answers.nth(1).waitFor();
    await other.waitForAnswerText(10);
    assert.equal(await other.waitForAnswerEnd(), 'complete');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.equal(await other.answerText(), await chat.answerText());
    await first.context().close();
  });

  test('shows an error banner while the server is down, recovers with Retry, and keeps the history', async () => {
    const page = await openNewChat();
    const chat = chatPage(page);
    await chat.send('What should I know before planting a vegetable garden?');
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    const answer = await chat.answerText();

    await parley.stop();
    await chat.send('Is it too late to plant tomatoes?');
    await chat.banner.getByText('Can’t reach Parley').waitFor();
    await page.getByText('Not sent').waitFor();
    await page.locator('.connection[data-state="offline"]').waitFor();
    await page.waitForTimeout(250);
    await screenshot(page, '22-server-down-banner');

    await restart();
    await chat.banner.getByRole('button', { name: 'Retry' }).click();
    assert.equal(await chat.waitForAnswerEnd(), 'complete');
    assert.equal(await page.getByText('Not sent').count(), 0);
    assert.equal(await chat.banner.count(), 0);

    await page.reload();
    await chat.answers.nth(1).waitFor();
    assert.equal(await chat.userMessages.count(), 2);
    assert.equal(await chat.answerText(chat.answers.first()), answer);
    await page
      .getByRole('navigation', { name: 'Chat history' })
      .getByRole('link', { name: 'What should I know before planting a vegetable garden?' })
      .waitFor();
    await screenshot(page, '23-history-after-restart');
    await page.context().close();
  });
});
