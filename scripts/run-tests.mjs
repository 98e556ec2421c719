// Runs every test file under test/ with Node's test runner (Node 20 takes no
// globs, so the files are listed here). Pass file filters as arguments.
//
// Tests that need a system package declare it with requireSystem
// (test/helpers/requirements.ts); when one is missing they are skipped (or,
// under CI=true, fail), and this script ends with a summary of what was
// skipped, why, and the command that enables it.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? find(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

/** The records of requireSystem, one summary line per missing requirement (and whether CI=true made it fail). */
function skipSummary(log) {
  if (!existsSync(log)) return { lines: [], required: false };
  const byName = new Map();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line);
    const entry = byName.get(record.name) ?? { ...record, files: new Set() };
    if (record.file) entry.files.add(record.file);
    byName.set(record.name, entry);
  }
  const lines = [...byName.values()].map((r) => `  ${r.name}: ${r.reason} — ${r.required ? 'FAILED (CI=true)' : 'skipped'} ${[...r.files].join(', ') || 'its tests'}; enable: ${r.enable}`);
  return { lines, required: [...byName.values()].some((r) => r.required) };
}

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const logDir = mkdtempSync(join(tmpdir(), 'wavecv-test-skips-'));
const log = join(logDir, 'skips.jsonl');
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, WAVECV_SKIP_LOG: log } });
const missing = skipSummary(log);
rmSync(logDir, { recursive: true, force: true });
if (missing.lines.length === 0) console.log(`\nsystem packages: every test that needs one ran${process.env.CI === 'true' ? ' (CI=true: all are required)' : ''}`);
else if (missing.required) console.log(`\nmissing system packages (required under CI=true, so their tests failed):\n${missing.lines.join('\n')}`);
else console.log(`\nskipped for missing system packages (CI=true makes them required):\n${missing.lines.join('\n')}`);
process.exit(result.status ?? 1);
