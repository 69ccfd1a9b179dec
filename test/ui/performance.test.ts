import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { webDistDir } from '../../server/src/http/web-app.ts';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { launchBrowser, newPersonContext, screenshotDir } from './browser.ts';
import { chatPage } from './chat-page.ts';
import { startUiParley } from './ui-parley.ts';

const sends = 20;
const metrics: Record<string, unknown> = {};

// Runs in the page: from the Enter that sends to the frame after the answer's first text reached the DOM.
const measureFirstToken = `(() => {
  window.__firstTokenMs = [];
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.target.id !== 'composer') return;
    const start = performance.now();
    const before = document.querySelectorAll('article.message.assistant .markdown').length;
    const observer = new MutationObserver(() => {
      const all = document.querySelectorAll('article.message.assistant .markdown');
      const last = all[all.length - 1];
      if (all.length > before && last && last.textContent.length > 0) {
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => window.__firstTokenMs.push(performance.now() - start)));
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, true);
})()`;

// Runs in the page: every animation frame's timestamp, and the long animation frames Chromium reports.
const recordFrames = `(() => {
  window.__frames = [];
  window.__longFrames = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longFrames.push(entry.duration);
  }).observe({ type: 'long-animation-frame', buffered: false });
  const tick = (time) => {
    window.__frames.push(time);
    if (!window.__stopFrames) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

describe('performance', () => {
  let parley: SpawnedParley;
  let browser: Browser;
  let page: Page;

  before(async () => {
    parley = await startUiParley({ DEMO_TOKENS_PER_SECOND: '100', DEMO_FIRST_TOKEN_DELAY_MS: '0' });
    browser = await launchBrowser();
    page = await (await newPersonContext(browser)).newPage();
    await page.goto(`${parley.url}/chat`);
    await chatPage(page).composer.waitFor();
  });

  after(async () => {
    await writeFile(path.join(screenshotDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    await browser?.close();
    await parley?.stop();
  });

  test(`Enter to first token painted, p50 over ${sends} sends`, async (t) => {
    const chat = chatPage(page);
    await page.evaluate(measureFirstToken);
    for (let index = 0; index < sends; index++) {
      await chat.send(`Tell me about rivers, question ${index + 1}.`);
      await chat.waitForAnswerText(1);
      // Only the first token matters here; stopping keeps the run short.
      await page.keyboard.press('Escape');
      await chat.waitForAnswerEnd();
    }
    const samples = (await page.evaluate('window.__firstTokenMs')) as number[];
    assert.equal(samples.length, sends);
    const p50 = percentile(samples, 0.5);
    metrics.firstTokenPaintedMs = { p50, p90: percentile(samples, 0.9), max: Math.max(...samples), samples };
    t.diagnostic(
      `Enter → first token painted: p50 ${p50.toFixed(1)} ms, p90 ${percentile(samples, 0.9).toFixed(1)} ms`,
    );
    assert.ok(p50 < 250, `p50 ${p50} ms`);
  });

  test('frames while a 2,000-token answer streams at 100 tokens a second', async (t) => {
    const chat = chatPage(page);
    await page.evaluate(recordFrames);
    await chat.send('__long_test__');
    assert.equal(await chat.waitForAnswerEnd(60_000), 'complete');
    await page.evaluate('window.__stopFrames = true');
    const frames = (await page.evaluate('window.__frames')) as number[];
    const longFrames = (await page.evaluate('window.__longFrames')) as number[];
    const gaps = frames.slice(1).map((time, index) => time - (frames[index] as number));
    const frameMs = percentile(gaps, 0.5);
    // A gap of n frame intervals means n - 1 frames were not drawn.
    const dropped = gaps.reduce((sum, gap) => sum + Math.max(0, Math.round(gap / frameMs) - 1), 0);
    const expected = frames.length - 1 + dropped;
    const words = (await chat.answerText()).split(/\s+/).length;
    metrics.streaming2000Tokens = {
      durationMs: Math.round((frames.at(-1) ?? 0) - (frames[0] ?? 0)),
      frameIntervalMs: frameMs,
      framesDrawn: frames.length,
      framesDropped: dropped,
      droppedShare: dropped / expected,
      longAnimationFrames: longFrames.length,
      longestFrameMs: Math.max(0, ...gaps),
      words,
    };
    t.diagnostic(
      `2,000 tokens: ${frames.length} frames drawn, ${dropped} dropped (${((dropped / expected) * 100).toFixed(2)}%), ` +
        `${longFrames.length} long animation frames, longest gap ${Math.max(...gaps).toFixed(1)} ms`,
    );
    assert.ok(words > 1000, `${words} words`);
    // On a quiet machine well under 1% of frames drop. The bound leaves room for a CI box shared with other
    // work, and still fails a renderer that re-renders the whole answer per token (most frames dropped).
    assert.ok(dropped / expected < 0.15, `${dropped} of ${expected} frames dropped`);
  });

  test('the built bundle, gzipped', async (t) => {
    const assets = path.join(webDistDir, 'assets');
    let total = 0;
    const files: Record<string, number> = {};
    for (const name of await readdir(assets)) {
      const size = gzipSync(await readFile(path.join(assets, name)), { level: 9 }).length;
      files[name] = size;
      total += size;
    }
    metrics.bundleGzipBytes = { total, files };
    t.diagnostic(`bundle: ${(total / 1024).toFixed(1)} KiB gzipped (${Object.keys(files).length} files)`);
    assert.ok(total < 300 * 1024, `${total} bytes`);
  });
});
