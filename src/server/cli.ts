/**
 * Starts a reference server and publishes events at a steady rate, for demos and benchmarks.
 *
 * ```sh
 * npx ts-node -T -O '{"module":"commonjs","moduleResolution":"node"}' src/server/cli.ts --port 8080 --rate 100 --topics prices,news
 * ```
 *
 * Flags: `--host` (127.0.0.1), `--port` (0 = ephemeral), `--rate` events/s over all topics
 * (10; 0 = publish nothing), `--topics` a comma-separated list (`ticks`). Events go to the
 * topics in turn, with data `{ n, at }`. Stops cleanly on SIGINT / SIGTERM.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { asyncScheduler, interval } from 'rxjs';
import { startReferenceServer } from './referenceServer';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      rate: { type: 'string', default: '10' },
      topics: { type: 'string', default: 'ticks' },
    },
  });
  const rate = Number(values.rate);
  const topics = values.topics.split(',').filter((topic) => topic !== '');
  if (!(rate >= 0) || topics.length === 0) throw new TypeError('--rate must be a number >= 0 and --topics non-empty');

  const server = await startReferenceServer({ host: values.host, port: Number(values.port) });
  console.log(`reference server on ${server.url} publishing ${rate} events/s to ${topics.join(', ')}`);

  // Publish what is due since the start on each tick: steady on average, even above 1000/s.
  const scheduler = asyncScheduler;
  const startedAt = scheduler.now();
  let published = 0;
  const ticker = interval(Math.max(10, Math.min(1000, 1000 / Math.max(rate, 1))), scheduler).subscribe(() => {
    const due = Math.floor(((scheduler.now() - startedAt) * rate) / 1000);
    for (; published < due; published++) server.publish(topics[published % topics.length] as string, { n: published + 1, at: scheduler.now() });
  });

  const shutdown = (): void => {
    ticker.unsubscribe();
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
