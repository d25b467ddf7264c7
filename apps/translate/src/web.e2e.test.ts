// End-to-end: the Vite page in headless Chromium (playwright-core, the system's
// /usr/bin/chromium; never downloads a browser) translates a sentence with the
// shipped model on the CPU backend and draws the attention heat map; then trains a
// model on the demo set in a Web Worker while the test clicks a page button (the page
// must react to each click promptly), pauses, saves a checkpoint, resumes, and
// translates a training sentence with the trained model (page and downloaded file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { parseSafetensors } from '@cellstate/nn';
import { decodeSeq2SeqModel } from '@cellstate/seq2seq';
import { selectBackend } from './cli/backend.js';
import { Translator } from './translator.js';
import { demoPairs, prepareTraining } from './web/training-data.js';
import { chromiumMissing, skipTitle } from '../../../tools/test-env/requirements.ts';
import { startVitePage, type VitePage } from '../../../tools/browser/vite-page.ts';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const modelFile = join(appDir, 'models/en-fr.safetensors');
const reason = chromiumMissing() ?? (!existsSync(modelFile) ? `${modelFile} is missing` : undefined);

describe.skipIf(reason !== undefined)(skipTitle('web page in headless Chromium', reason), () => {
  let app: VitePage | undefined;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    app = await startVitePage(join(appDir, 'vite.config.ts'));
    ({ url, browser } = app);
  });

  afterAll(async () => app?.close());

  it('translates "I am cold." and shows the backend and the attention heat map', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => !(document.getElementById('translate') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.fill('#source', 'I am cold.');
    await page.click('#translate');
    await page.waitForFunction(() => (document.getElementById('translation')?.textContent ?? '').trim().length > 0, undefined, { timeout: 60_000 });
    const translation = (await page.textContent('#translation'))!.trim();
    console.log(`web page translated "I am cold." as "${translation}"`);
    expect(translation.length).toBeGreaterThan(0);
    expect(await page.textContent('#backend')).toMatch(/backend: (cpu|webgpu)/);
    const cells = await page.$$eval('#heatmap td', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.weight)));
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((w) => w >= 0 && w <= 1)).toBe(true);
    await page.close();
  });

  it('trains on the demo set in a Web Worker: clicks are handled promptly meanwhile; pause, checkpoint, resume; then translates with the trained model', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const consoleLines: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    /** Waits in the page; on a timeout the error says where training was (status, progress, log, console). */
    const waitFor = async (what: string, fn: (arg: number) => boolean, arg: number, timeout: number) => {
      try {
        await page.waitForFunction(fn, arg, { timeout, polling: 100 });
      } catch (error) {
        const state = await page.evaluate(() => ['train-status', 'train-stats', 'train-log'].map((id) => `${id}: ${document.getElementById(id)?.textContent}`).join('\n'));
        throw new Error(`${what}: ${(error as Error).message.split('\n')[0]}\n${state}\nconsole:\n${consoleLines.join('\n')}\npage errors: ${errors.join('\n')}`);
      }
    };
    await page.goto(url);
    await page.waitForFunction(() => !(document.getElementById('translate') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    // A long run (so that it is still going on a fast machine), cancelled once the model has learned.
    const steps = 2000;
    const learnedBy = 250; // the demo set is learned by ~100 steps (hidden 64, batch 32, learning rate 0.01)
    await page.fill('#train-steps', String(steps));
    const trainStep = (p: Page) => p.$eval('#train-stats', (el) => Number((el as HTMLElement).dataset.step));
    const trainStatus = (p: Page) => p.$eval('#train-status', (el) => (el as HTMLElement).dataset.status ?? '');
    const started = Date.now();
    await page.click('#train-start');
    await waitFor('training starts', () => Number(document.getElementById('train-stats')!.dataset.step) >= 2, 0, 60_000);
    expect(await trainStatus(page)).toBe('running');
    expect(await page.textContent('#train-stats')).toMatch(/step \d+ \/ 2000 · epoch \d+ · loss [\d.]+ · perplexity [\d.]+ .*left/);

    // While the worker trains: click "Example" with raw input events (no actionability
    // waits); each click puts another sentence in the box. Latency: issued -> box changed
    // (seen from here), and input event created -> handler (in the page).
    await page.evaluate(() => {
      const w = window as unknown as { __clicks: { handlerMs: number; step: number }[] };
      w.__clicks = [];
      document.getElementById('example')!.addEventListener('click', (e) => w.__clicks.push({ handlerMs: performance.now() - e.timeStamp, step: Number(document.getElementById('train-stats')!.dataset.step) }));
    });
    const box = (await page.locator('#example').boundingBox())!;
    const observed: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = await page.inputValue('#source');
      const issued = performance.now();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction((b) => (document.getElementById('source') as HTMLInputElement).value !== b, before, { timeout: 5_000 });
      observed.push(performance.now() - issued);
      await page.waitForTimeout(100);
    }
    const clicks = await page.evaluate(() => (window as unknown as { __clicks: { handlerMs: number; step: number }[] }).__clicks);
    console.log(
      `[translate web training] click issued -> page reacted ms: ${observed.map((l) => l.toFixed(0)).join(', ')}; event created -> handler ms: ${clicks.map((c) => c.handlerMs.toFixed(1)).join(', ')}; training steps meanwhile: ${clicks.map((c) => c.step).join(', ')}`,
    );
    expect(clicks.length).toBe(6);
    for (const ms of observed) expect(ms).toBeLessThan(1000);
    for (const c of clicks) expect(c.handlerMs).toBeLessThan(1000);
    expect(clicks.at(-1)!.step).toBeGreaterThan(clicks[0]!.step); // training went on meanwhile
    expect(await trainStatus(page)).toBe('running');

    // Pause: the step stops increasing; a checkpoint can be saved while paused.
    await page.click('#train-pause');
    await waitFor('paused', () => document.getElementById('train-status')!.dataset.status === 'paused', 0, 10_000);
    expect(await page.textContent('#train-pause')).toBe('Resume');
    const pausedAt = await trainStep(page);
    await page.waitForTimeout(700);
    expect(await trainStep(page)).toBe(pausedAt);
    const [checkpointFile] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#train-checkpoint')]);
    expect(checkpointFile.suggestedFilename()).toBe(`translate-training-step${pausedAt}.safetensors`);
    const checkpoint = parseSafetensors(new Uint8Array(readFileSync((await checkpointFile.path())!)));
    expect(checkpoint.metadata['cellstate.kind']).toBe('training');
    expect(checkpoint.metadata.step).toBe(String(pausedAt));
    // The checkpoint's weights become the page's trained model right away.
    await waitFor('checkpoint weights loaded', () => !(document.getElementById('model-trained') as HTMLInputElement).disabled, 0, 10_000);
    expect(await page.textContent('#trained-info')).toContain(`checkpoint at step ${pausedAt}`);
    expect(await trainStep(page)).toBe(pausedAt);

    // Resume: the step increases again. Once the model has learned, Cancel: the run ends
    // with a final checkpoint, whose weights become the trained model.
    await page.click('#train-pause');
    await waitFor('resumed', (s) => Number(document.getElementById('train-stats')!.dataset.step) > s, pausedAt, 30_000);
    expect(await trainStatus(page)).toBe('running');
    await waitFor(`step ${learnedBy} reached`, (s) => Number(document.getElementById('train-stats')!.dataset.step) >= s, learnedBy, 150_000);
    await page.click('#train-cancel');
    await waitFor('cancelled, weights loaded', () => document.getElementById('train-status')!.dataset.status === 'cancelled' && (document.getElementById('train-status')!.textContent ?? '').includes('selectable'), 0, 30_000);
    const finished = { seconds: (Date.now() - started) / 1000, stats: await page.textContent('#train-stats'), status: await page.textContent('#train-status'), log: await page.textContent('#train-log') };
    console.log(`[translate web training] ${finished.seconds.toFixed(1)} s wall clock; ${finished.stats}; ${finished.status}\n${finished.log}`);
    const endStep = await trainStep(page);
    expect(endStep).toBeGreaterThanOrEqual(learnedBy);
    expect(endStep).toBeLessThan(steps);
    expect(finished.stats).toMatch(/held-out: \d+ % exact, BLEU [\d.]+/);
    expect(await page.textContent('#trained-info')).toContain(`cancelled at step ${endStep}`);
    expect(await page.isDisabled('#train-start')).toBe(false);

    // Translate training sentences with the trained model on the page (beam 5), with the heat map.
    const prepared = prepareTraining({ pairs: demoPairs(), sourceLanguage: 'en', targetLanguage: 'fr', steps, batchSize: 32, hiddenSize: 64, learningRate: 0.01 });
    const samples = prepared.trainText.filter((p) => p.source.split(' ').length === 3).slice(0, 2);
    samples.push(prepared.trainText.find((p) => p.source.includes(' and '))!);
    await page.check('#model-trained');
    const onPage: string[] = [];
    for (const sample of samples) {
      await page.fill('#source', sample.source);
      await page.click('#translate');
      await page.waitForFunction(() => (document.getElementById('status')!.textContent ?? '').includes('with the trained model'), undefined, { timeout: 30_000 });
      onPage.push((await page.textContent('#translation'))!.trim());
      const rows = await page.$$eval('#heatmap tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => Number((td as HTMLElement).dataset.weight))));
      expect(rows.length).toBe(onPage.at(-1)!.split(' ').length + 1); // target words + <eos>
      for (const row of rows) {
        expect(row.length).toBe(sample.source.split(' ').length + 1); // source words + <eos>
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      }
      await page.evaluate(() => (document.getElementById('status')!.textContent = ''));
    }
    console.log(`[translate web training] trained model: ${samples.map((s, i) => `"${s.source}" -> "${onPage[i]}" (expected "${s.target}")`).join('; ')}`);
    expect(onPage.map((t) => t.toLowerCase())).toEqual(samples.map((s) => s.target));

    // "Download model" gives a file in the app's model format: loaded here (Node), it translates the same way.
    const [modelFile] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#train-download')]);
    expect(modelFile.suggestedFilename()).toBe('translate-trained.safetensors');
    await selectBackend('cpu');
    const loaded = await decodeSeq2SeqModel(new Uint8Array(readFileSync((await modelFile.path())!)), 'translate-trained.safetensors');
    expect(loaded.info.steps).toBe(endStep);
    const inNode = await new Translator(loaded).translate(samples.map((s) => s.source), { beamSize: 5 });
    expect(inNode.map((t) => t.text)).toEqual(onPage);
    loaded.model.dispose();
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
