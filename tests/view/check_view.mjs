// SPDX-License-Identifier: BSD-2-Clause
//
// Opens a vizbpf viewer page in headless Debian chromium and prints, as JSON on stdout, what the
// page shows: the processes, threads and slices of the model the viewer imported, the track
// headings drawn in the DOM, and (with --select) what the analysis panel and the source panel
// show for the selected slice. tests/cli/40-view.bats asserts on that with jq.
//
//   node check_view.mjs URL [--click TEXT] [--select PREFIX] [--zoom] [--screenshot FILE.png]
//                       [--timeout SECONDS]
//
// --click follows the link with that text first (directory mode's index); --zoom presses the
// viewer's 'f' key after --select, framing the selected slice (for screenshots).
// Exit status: 0 when the page reached a final state (the JSON says which), 2 on usage or
// browser errors (message on stderr).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function usage(msg) {
  console.error(`check_view: ${msg}`);
  console.error('usage: node check_view.mjs URL [--click TEXT] [--select PREFIX] [--zoom] ' +
                '[--screenshot FILE.png] [--timeout SECONDS]');
  process.exit(2);
}

const opts = { url: null, click: null, select: null, zoom: false, screenshot: null,
               timeout: 120 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--click') opts.click = argv[++i];
  else if (a === '--select') opts.select = argv[++i];
  else if (a === '--zoom') opts.zoom = true;
  else if (a === '--screenshot') opts.screenshot = argv[++i];
  else if (a === '--timeout') opts.timeout = Number(argv[++i]);
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else if (!opts.url) opts.url = a;
  else usage('one URL only');
}
if (!opts.url) usage('URL missing');
if (!(opts.timeout > 0)) usage('bad --timeout');

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
// A fresh profile per run: nothing cached, nothing shared between tests.
const profile = mkdtempSync(join(process.env.BATS_TEST_TMPDIR || tmpdir(), 'chromium-'));

// Everything the model and the DOM say, gathered inside the page.
function summarize() {
  const vz = window.vizbpf;
  const out = { state: vz ? vz.state : 'no-vizbpf', error: vz ? vz.error : null };
  if (!vz || !vz.model)
    return out;
  out.processes = [];
  out.sliceCount = 0;
  for (const p of Object.values(vz.model.processes)) {
    const proc = { pid: p.pid, name: p.name, threads: [] };
    for (const t of Object.values(p.threads)) {
      const titles = new Set();
      let depth = 0;
      const slices = t.sliceGroup.slices;
      for (const s of slices) {
        titles.add(s.title);
        let d = 0;
        for (let q = s.parentSlice; q; q = q.parentSlice)
          d++;
        depth = Math.max(depth, d + 1);
      }
      out.sliceCount += slices.length;
      proc.threads.push({
        tid: t.tid, name: t.name || null, slices: slices.length, maxDepth: depth,
        titles: Array.from(titles).slice(0, 20000),
      });
    }
    out.processes.push(proc);
  }
  // CPU tracks (--kernel cpu's ftrace text): the slices of each CPU the importer built.
  const cpus = vz.model.kernel ? Object.values(vz.model.kernel.cpus || {}) : [];
  out.cpus = cpus.map((c) => ({ cpu: c.cpuNumber, slices: c.slices.length,
                                titles: Array.from(new Set(c.slices.map((s) => s.title))).slice(0, 50) }));
  // What the track view drew as row labels (process and thread headings): its text nodes,
  // through shadow roots too in case the polyfill ever gives way to native ones.
  const labels = [];
  const walk = (n) => {
    const cn = n.childNodes || [];
    for (let i = 0; i < cn.length; i++) {
      const c = cn[i];
      if (c.nodeType === Node.TEXT_NODE && c.textContent.trim())
        labels.push(c.textContent.replace(/\s+/g, ' ').replace(/^\u25be /, '').trim());
      else if (c.nodeType === Node.ELEMENT_NODE && c.localName !== 'style')
        walk(c);
    }
    if (n.shadowRoot)
      walk(n.shadowRoot);
  };
  const tv = document.querySelector('tr-ui-timeline-track-view');
  if (tv)
    walk(tv);
  out.trackLabels = labels;
  out.canvases = document.querySelectorAll('canvas').length;
  return out;
}

// Selects the first slice whose title starts with prefix through the viewer's own selection
// controller, the path a mouse click takes.
function selectSlice(prefix) {
  const vz = window.vizbpf;
  for (const p of Object.values(vz.model.processes))
    for (const t of Object.values(p.threads))
      for (const s of t.sliceGroup.slices)
        if (s.title.startsWith(prefix)) {
          vz.viewer.brushingStateController.changeSelectionFromTimeline(new tr.model.EventSet([s]));
          return s.title;
        }
  return null;
}

// What the analysis panel and vizbpf's source panel show now.
function selectionView() {
  const texts = [];
  const walk = (n) => {
    if (n.localName === 'tr-ui-a-single-thread-slice-sub-view' ||
        n.localName === 'tr-ui-a-single-event-sub-view') {
      texts.push((n.shadowRoot ? n.shadowRoot.textContent : '') + n.textContent);
    }
    if (n.shadowRoot)
      walk(n.shadowRoot);
    for (const c of n.children || [])
      walk(c);
  };
  walk(document.documentElement);
  const src = window.vizbpf.source;
  const cur = document.querySelector('#vizbpf-source-code .cur');
  const panel = document.getElementById('vizbpf-source');
  return {
    analysis: texts.join('\n').replace(/\s+/g, ' ').trim(),
    source: src ? {
      state: src.state, file: src.file, line: src.line, func: src.func,
      shown: !!panel && !panel.hidden,
      currentLine: cur ? cur.textContent : null,
      text: document.getElementById('vizbpf-source-code').textContent.slice(0, 2000),
    } : null,
  };
}

let browser;
let status = 0;
try {
  // The flags DESIGN.md gives for this machine; playwright adds --headless and passes the
  // profile directory as --user-data-dir itself.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1600, height: 900 },
    timeout: 60000,
  });
  const page = browser.pages()[0] || await browser.newPage();
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(opts.url, { waitUntil: 'load', timeout: opts.timeout * 1000 });
  if (opts.click) {
    await Promise.all([page.waitForEvent('load', { timeout: opts.timeout * 1000 }),
                       page.getByRole('link', { name: opts.click, exact: true }).click()]);
  }
  try {
    await page.waitForFunction(() => window.vizbpf && window.vizbpf.state !== 'loading',
                               null, { timeout: opts.timeout * 1000, polling: 200 });
  } catch (e) {
    log.push(`timeout: page still loading after ${opts.timeout}s`);
  }
  // Let the track view draw before reading the DOM and taking the picture.
  await page.waitForTimeout(500);
  const out = await page.evaluate(summarize);
  if (opts.select && out.state === 'loaded') {
    out.selected = await page.evaluate(selectSlice, opts.select);
    if (out.selected) {
      await page.waitForFunction(() => window.vizbpf.source &&
                                 window.vizbpf.source.state !== 'loading',
                                 null, { timeout: 30000 }).catch(() => {});
      await page.waitForTimeout(300);
      Object.assign(out, await page.evaluate(selectionView));
      if (opts.zoom) {
        await page.keyboard.press('f');
        await page.waitForTimeout(500);
      }
    }
  }
  if (opts.screenshot)
    await page.screenshot({ path: opts.screenshot });
  out.url = page.url();
  out.log = log.slice(0, 50);
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
} catch (e) {
  console.error(`check_view: ${e.message.split('\n')[0]}`);
  status = 2;
} finally {
  if (browser)
    await browser.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
