import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { noteYoungBuffers } from './v8-collector.js';

/** The kinds of the collections V8 ran while `fn` ran. */
async function collectionsDuring(fn: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await tick();
  await tick();
  observer.disconnect();
  return kinds;
}

test('every few megabytes of young buffers noted bring a scavenge', async () => {
  // Far more scavenges than the test's own allocations could bring in the time.
  const kinds = await collectionsDuring(() => {
    for (let i = 0; i < 64; i++) noteYoungBuffers(1024 * 1024);
  });
  const scavenges = kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length;
  assert.ok(scavenges >= 16, `scavenges seen: ${scavenges}`);
});
