#!/usr/bin/env node
// Run by `npm test` (pretest): the Redis cursor store's specs start their own redis-server on
// 127.0.0.1. When it is missing, install Debian's package (quietly, non-interactively; needs root
// and apt-get). Prints nothing when redis-server is already there.
import { execFileSync, spawnSync } from 'node:child_process';

const found = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

if (!found()) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log('ensure-redis: redis-server is missing; installing the Debian package');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch (error) {
    console.error(`ensure-redis: could not install redis-server (${error instanceof Error ? error.message : String(error)}); install it and run the tests again`);
    process.exit(1);
  }
  if (!found()) {
    console.error('ensure-redis: redis-server is still not on the PATH after the install');
    process.exit(1);
  }
  console.log('ensure-redis: redis-server installed');
}
