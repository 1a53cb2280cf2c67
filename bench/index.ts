// `npm run bench`: runs every benchmark part in bench/ (hooks, worker, …) one after the
// other; each prints its own table.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

interface BenchPart {
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const parts = readdirSync(__dirname)
    .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
    .sort();
  for (const file of parts) {
    const part = (await import(path.join(__dirname, file))) as Partial<BenchPart>;
    if (typeof part.run !== 'function') throw new Error(`bench/${file} exports no run()`);
    console.log(`\n# bench/${file}`);
    await part.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
