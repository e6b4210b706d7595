/**
 * The Chromium that the browser specs drive: the one that `@sparticuz/chromium` (a dev dependency)
 * ships inside its npm package, unpacked on first use into the OS temp dir, so `npm install && npm
 * test` needs no system browser. `CHROMIUM_PATH=/path/to/chrome` uses another build instead.
 */
import sparticuz from '@sparticuz/chromium';

/** Flags for a headless run that never reaches past loopback. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** What `playwright-core`'s `chromium.launch()` needs: the binary and its flags. */
export interface ChromiumLaunch {
  readonly executablePath: string;
  readonly args: readonly string[];
}

/** Resolves the Chromium binary (unpacking the packaged one if needed) and the flags to run it with. */
export async function chromiumLaunch(): Promise<ChromiumLaunch> {
  const executablePath = process.env.CHROMIUM_PATH ?? (await sparticuz.executablePath());
  return { executablePath, args: FLAGS };
}
