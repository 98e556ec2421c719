// Every sub-command's --help ends with an Examples section; every example
// parses against the command tree (known command, known flags, values the
// option parsers accept, required options present); the cheap examples run as
// written (in a temporary folder, in order, so that a chain such as
// generate neurons → trace → eval swc works) and their --json output parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { createProgram } from '../../src/cli/program.js';
import { examplesIn } from '../../src/cli/help-examples.js';
import { ROOT } from './helpers.js';

/** Every command without sub-commands, with its path (`eval swc`). */
function leaves(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  return command.commands.flatMap((c) => (c.commands.length === 0 ? [{ path: [...path, c.name()].join(' '), command: c }] : leaves(c, [...path, c.name()])));
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s) });
  command.outputHelp();
  return text;
}

/** The words of an example line (no quoting is used in the examples). */
function argvOf(line: string): string[] {
  const words = line.trim().split(/\s+/);
  assert.equal(words[0], 'wavecv', line);
  return words.slice(1);
}

const allExamples = (): Array<{ path: string; lines: string[] }> => leaves(createProgram()).map(({ path, command }) => ({ path, lines: examplesIn(helpOf(command)) }));

test('every sub-command --help has an Examples section with at least one example of the command itself', () => {
  const all = allExamples();
  assert.ok(all.length >= 20, `${all.length} commands`);
  for (const { path, lines } of all) {
    assert.ok(lines.length > 0, `wavecv ${path} --help has no Examples section`);
    assert.ok(lines.some((l) => l.startsWith(`wavecv ${path} `) || l.replace(/--backend \S+ /, '') === `wavecv ${path}` || l.replace(/--backend \S+ /, '').startsWith(`wavecv ${path} `)), `no example runs wavecv ${path}: ${lines.join(' | ')}`);
  }
});

test('every example parses: known command and flags, accepted values, required options given', async () => {
  for (const { path, lines } of allExamples()) {
    for (const line of lines) {
      const program = createProgram({ writeErr: () => {}, writeOut: () => {} });
      let reached: string | undefined;
      for (const leaf of leaves(program)) leaf.command.action(() => void (reached = leaf.path));
      await assert.doesNotReject(program.parseAsync(argvOf(line), { from: 'user' }), `example of wavecv ${path}: ${line}`);
      assert.ok(reached, `example of wavecv ${path} reached no command: ${line}`);
    }
  }
});

/** Examples cheap enough to run here (seconds), in this order: the command and a word its example line holds. */
const CHEAP: Array<[string, string]> = [
  ['info', '--json'],
  ['wavelets', '--json'],
  ['dwt', 'subbands.png'],
  ['generate neurons', 'neurons-small'],
  ['trace', 'neurons-small'],
  ['eval swc', 'neurons-small'],
  ['import', 'resnet18_haar.pth'],
  ['export', 'r18-haar'],
];

/** Runs the example lines one after the other in one child process in `cwd`; the stdout of each. */
function runExamples(lines: string[], cwd: string): string[] {
  const separator = '\u0000example\u0000\n';
  const script = `
    import { createProgram } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/cli/program.ts')).href)};
    for (const line of JSON.parse(process.argv[1])) {
      await createProgram().parseAsync(line.split(/\\s+/).slice(1), { from: 'user' });
      process.stdout.write(${JSON.stringify(separator)});
    }`;
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script, JSON.stringify(lines)], { cwd, encoding: 'utf8', env: { ...process.env, WAVECV_BACKEND: 'wasm' } });
  assert.equal(run.status, 0, run.stderr);
  const outputs = run.stdout.split(separator);
  assert.equal(outputs.length, lines.length + 1, run.stdout);
  return outputs.slice(0, -1);
}

test('the cheap examples run as written; their --json output is one JSON object', () => {
  const byPath = new Map(allExamples().map((e) => [e.path, e.lines]));
  const lines = CHEAP.map(([path, word]) => {
    const line = byPath.get(path)?.find((l) => l.includes(word));
    assert.ok(line, `wavecv ${path} has no example with ${word}`);
    return line;
  });
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-examples-'));
  // The import example reads a checkpoint committed with wavecv, by its path from the repository root.
  mkdirSync(join(dir, 'test/fixtures'), { recursive: true });
  symlinkSync(join(ROOT, 'test/fixtures/pytorch-import'), join(dir, 'test/fixtures/pytorch-import'));
  try {
    runExamples(lines, dir).forEach((out, i) => {
      assert.ok(out.length > 0, `${lines[i]} printed nothing`);
      if (lines[i].includes('--json')) assert.equal(typeof JSON.parse(out), 'object', lines[i]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
