// @ts-check
// Builds the charm's code and the worker runtime into dist/ (the workflows package
// is built by its own workspace first: `npm run build`). A missing step fails the build.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

for (const step of ['scripts/build-charm.mjs', 'scripts/build-worker.mjs']) {
  if (!existsSync(step)) {
    console.error(`build: ${step} is missing`);
    process.exit(1);
  }
  execFileSync(process.execPath, [step], { stdio: 'inherit' });
}
