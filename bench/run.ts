/**
 * `npm run bench -- <name> [options]` runs `bench/<name>.ts` (for example
 * `npm run bench -- dwt`). A benchmark is a module that runs itself when it is
 * the script being executed (`process.argv[1]` is its own path), so it also
 * runs as `node --import tsx bench/<name>.ts`; this dispatcher points
 * `process.argv[1]` at it, passes the remaining arguments, and imports it.
 * New benchmarks need no entry here. Without a name it lists them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || name === '--help' || name === '-h') {
  process.stdout.write(`usage: npm run bench -- <name> [options]\nbenchmarks: ${available.join(', ')}\n`);
} else {
  const file = join(here, `${name}.ts`);
  if (!/^[\w-]+$/.test(name) || !existsSync(file)) {
    process.stderr.write(`bench: got "${name}", expected one of ${available.join(', ')}\n`);
    process.exitCode = 1;
  } else {
    process.argv = [process.argv[0], file, ...rest];
    await import(pathToFileURL(file).href);
  }
}
