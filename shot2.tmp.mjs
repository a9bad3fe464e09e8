import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
const [,, html, prefix] = process.argv;
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/pw-'), { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], viewport: { width: 1200, height: 1400 } });
const page = await ctx.newPage();
await page.goto(`file://${html}`);
const h = await page.evaluate(() => document.body.scrollHeight);
for (let y = 0, i = 0; y < h; y += 1400, i++) { await page.evaluate((yy) => window.scrollTo(0, yy), y); await page.screenshot({ path: `${prefix}${i}.png`, fullPage: false }); }
await ctx.close();
