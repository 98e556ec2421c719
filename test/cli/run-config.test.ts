// `--config run.json` of the train commands (src/cli/run-config.ts): keys are
// the flags, checked by a zod schema derived from the commander options;
// unknown keys, wrong types, refused values and a missing file are reported
// naming the key; command-line flags win over the file, the file over the
// defaults; the run folder's config.json records the resolved flags and
// repeats the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { WavecvError } from '../../src/errors.js';
import { createProgram } from '../../src/cli/program.js';
import { examplesIn } from '../../src/cli/help-examples.js';
import { recordedCommand } from '../../src/cli/run-config.js';
import { ROOT, runCli } from './helpers.js';

const DATA = join(ROOT, 'test/fixtures/run-v1/data');

/** Parses `argv` with every action replaced: the command reached, its options and its recorded flags. */
async function parse(argv: string[]): Promise<{ command: Command; opts: Record<string, unknown> }> {
  const program = createProgram({ writeErr: () => {}, writeOut: () => {} });
  let reached: { command: Command; opts: Record<string, unknown> } | undefined;
  const visit = (c: Command): void => {
    if (c.commands.length === 0) c.action((...args: unknown[]) => void (reached = { command: args[args.length - 1] as Command, opts: (args[args.length - 1] as Command).opts() }));
    c.commands.forEach(visit);
  };
  visit(program);
  await program.parseAsync(argv, { from: 'user' });
  assert.ok(reached, argv.join(' '));
  return reached;
}

const refused = async (argv: string[], pattern: RegExp) =>
  assert.rejects(parse(argv), (e: unknown) => e instanceof WavecvError && pattern.test(e.message), argv.join(' '));

test('a config file sets the flags; flags on the command line win; required flags may come from the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-config-'));
  try {
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ model: 'cnn28', data: 'fashion-mnist', out: 'runs/x', epochs: 3, 'batch-size': '32', 'model-option': { width: 4, wavelet: 'bior3.3' }, milestones: [2, 3], nesterov: true, flip: undefined }));
    const { opts } = await parse(['train', 'classify', '--config', file, '--epochs', '2']);
    assert.equal(opts.epochs, 2, 'the command line wins');
    assert.equal(opts.batchSize, 32, 'the file wins over the default');
    assert.equal(opts.evalBatchSize, 256, 'the default where neither gives one');
    assert.deepEqual(opts.modelOption, { width: 4, wavelet: 'bior3.3' });
    assert.equal(opts.milestones, '2,3');
    assert.equal(opts.nesterov, true);
    assert.equal(opts.model, 'cnn28');
    writeFileSync(file, JSON.stringify({ backbone: 'iresnet-tiny', loss: 'uss', data: 'mnist', out: 'runs/y', flip: false }));
    assert.equal((await parse(['train', 'face', '--config', file])).opts.flip, false, '"flip": false is --no-flip');
    assert.equal((await parse(['train', 'face', '--config', file, '--flip'])).opts.flip, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown keys, wrong types, refused values, a missing file and a missing required flag are refused naming the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-config-'));
  try {
    const write = (name: string, content: unknown) => {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
      return join(dir, name);
    };
    const base = { model: 'cnn28', data: 'fashion-mnist', out: 'runs/x' };
    await refused(['train', 'classify', '--config', write('a.json', { ...base, epoch: 3 })], /^--config key "epoch": got 3, expected one of the flags of wavecv train classify: model, wavelet, .*epochs/);
    await refused(['train', 'classify', '--config', write('b.json', { ...base, epochs: true })], /^--config key "epochs": got true, expected a number or a string as typed after --epochs/);
    await refused(['train', 'classify', '--config', write('c.json', { ...base, nesterov: 'yes' })], /^--config key "nesterov": got "yes", expected true or false$/);
    await refused(['train', 'classify', '--config', write('d.json', { ...base, 'model-option': 'width=4' })], /^--config key "model-option": got "width=4", expected an object/);
    await refused(['train', 'classify', '--config', write('e.json', { ...base, epochs: 1.5 })], /^epochs: got "1.5", expected a positive integer$/);
    await refused(['train', 'register', '--config', write('f.json', { data: 'd', out: 'o', similarity: 'ssim' })], /^similarity: got "ssim", expected ncc, mse$/);
    await refused(['train', 'classify', '--config', join(dir, 'nope.json')], /^--config: got ".*nope\.json", expected a readable JSON file \(no such file\)$/);
    await refused(['train', 'classify', '--config', write('g.json', '{ "epochs": 3,')], /^--config: got ".*g\.json", expected a JSON file/);
    await refused(['train', 'classify', '--config', write('h.json', [1, 2])], /^--config: got ".*h\.json", expected a JSON object of flags$/);
    await refused(['train', 'classify', '--config', write('i.json', { model: 'cnn28', out: 'runs/x' })], /^--data: got undefined, expected a value: the flag, or "data" in the --config file$/);
    await refused(['train', 'classify', '--model', 'cnn28', '--out', 'x'], /^--data: got undefined, expected a value/);
    await refused(['train', 'face', '--config', write('j.json', { command: { task: 'train classify', flags: base } })], /expected the config of a `wavecv train face` run \(it records `wavecv train classify`\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every train command: the flags of its examples, recorded and read back as a config, give the same options', async () => {
  const program = createProgram({ writeOut: () => {} });
  const train = program.commands.find((c) => c.name() === 'train')!;
  assert.ok(train.commands.length >= 5);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-config-'));
  try {
    for (const task of train.commands) {
      let help = '';
      task.configureOutput({ writeOut: (s) => (help += s) });
      task.outputHelp();
      for (const line of examplesIn(help).filter((l) => l.startsWith(`wavecv train ${task.name()} `))) {
        const argv = line.split(/\s+/).slice(1);
        const direct = await parse(argv);
        const recorded = recordedCommand(direct.command);
        assert.equal(recorded.task, `train ${task.name()}`);
        const file = join(dir, `${task.name()}.json`);
        writeFileSync(file, JSON.stringify({ command: recorded, trainer: { ignored: true } }));
        const again = await parse(['train', task.name(), '--config', file]);
        assert.deepEqual({ ...again.opts, config: undefined, json: undefined }, { ...direct.opts, config: undefined, json: undefined }, line);
        writeFileSync(file, JSON.stringify(recorded.flags));
        assert.deepEqual({ ...(await parse(['train', task.name(), '--config', file])).opts, config: undefined, json: undefined }, { ...direct.opts, config: undefined, json: undefined }, `${line} (flat file)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wavecv train classify --config RUN/config.json repeats the run: the same resolved flags and the same weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-config-run-'));
  try {
    const first = join(dir, 'first');
    const run = runCli(['train', 'classify', '--model', 'cnn28', '--model-option', 'width=2', '--wavelet', 'haar', '--data', DATA, '--epochs', '1', '--batch-size', '16', '--lr', '0.02', '--progress', 'lines', '--out', first]);
    assert.equal(run.status, 0, run.stderr);
    const recorded = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8')).command;
    assert.equal(recorded.task, 'train classify');
    assert.deepEqual(recorded.flags.modelOption ?? recorded.flags['model-option'], { width: 2 });
    assert.equal(recorded.flags.lr, 0.02);
    assert.equal(recorded.flags['batch-size'], 16);
    assert.equal(recorded.flags.resume, undefined, '--resume is not a setting');
    const second = join(dir, 'second');
    const again = runCli(['train', 'classify', '--config', join(first, 'config.json'), '--out', second, '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).stopped, 'completed');
    const repeated = JSON.parse(readFileSync(join(second, 'config.json'), 'utf8')).command;
    assert.deepEqual(repeated, { ...recorded, flags: { ...recorded.flags, out: second } });
    assert.deepEqual(readFileSync(join(second, 'model', 'weights.bin')), readFileSync(join(first, 'model', 'weights.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
