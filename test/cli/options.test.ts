// Every number a command reads from its flags is parsed by src/cli/option-parsers.ts:
// fractions, words and out-of-range values are refused with the flag named, before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { choice, integerTuple, numberInRange, parseIntegerList, parseNumberList } from '../../src/cli/option-parsers.js';
import { oneErrorLine, runCli } from './helpers.js';

test('option parsers: ranges, lists and choices name the flag and what was expected', () => {
  const refused = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  assert.equal(numberInRange('threshold', -1, 1)('-0.25'), -0.25);
  refused(() => numberInRange('threshold', -1, 1)('1.5'), /^threshold: got "1.5", expected a number in \[-1, 1\]$/);
  refused(() => numberInRange('threshold', -1, 1)(' '), /threshold/);
  assert.deepEqual(parseIntegerList('5,1-2', 'severities', 1, 5), [1, 2, 5]);
  refused(() => parseIntegerList('1.5', 'severities', 1, 5), /^severities: got "1.5"/);
  assert.deepEqual(parseNumberList('0.1, 0.2', 'eps', 0, 1), [0.1, 0.2]);
  refused(() => parseNumberList('0.1,,0.2', 'eps', 0, 1), /^eps: got "0.1,,0.2", expected comma-separated numbers in \[0, 1\]$/);
  assert.equal(choice('parameter-set', ['auto', 'cifar'])('cifar'), 'cifar');
  refused(() => choice('parameter-set', ['auto', 'cifar'])('imagenet-c'), /^parameter-set: got "imagenet-c", expected auto, cifar$/);
  const cube = integerTuple('cube', 3, (v) => v > 0 && v % 16 === 0, 'positive multiples of 16', '32,128,128');
  assert.deepEqual(cube(' 16, 32,48'), [16, 32, 48]);
  for (const bad of ['16,32', '16,32,48,64', '16,,32', '16,32,40', '16,32,48.0001', 'a,b,c']) {
    refused(() => cube(bad), new RegExp(`^cube: got "${bad.replace('.', '\\.')}", expected 3 comma-separated positive multiples of 16, e\\.g\\. 32,128,128$`));
  }
});

test('CLI: fractional --level, --seed, --pair-seed and an out-of-range --threshold are refused in one line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['dwt', '--level', '1.5', '--out', 'never.png'], /^wavecv: level: got "1.5", expected a positive integer$/],
    [['eval', 'robustness', '--model', 'none', '--data', 'fashion-mnist', '--seed', '0.5', '--out', 'never'], /^wavecv: seed: got "0.5", expected an integer ≥ 0$/],
    [['train', 'face', '--backbone', 'iresnet-tiny', '--loss', 'uce', '--data', 'mnist', '--pair-seed', '2.5', '--out', 'never'], /^wavecv: pair-seed: got "2.5", expected an integer ≥ 0$/],
    [['verify', 'a.jpg', 'b.jpg', '--model', 'none', '--threshold', '1.5'], /^wavecv: threshold: got "1.5", expected a number in \[-1, 1\]$/],
    [['generate', 'neurons', '--out', 'never', '--shape', '48,160'], /^wavecv: shape: got "48,160", expected 3 comma-separated integers ≥ 8, e\.g\. 48,160,160$/],
    [['train', 'segment3d', '--data', 'none', '--out', 'never', '--cube', '32,128,100'], /^wavecv: cube: got "32,128,100", expected 3 comma-separated positive multiples of 16, e\.g\. 32,128,128$/],
  ];
  for (const [args, pattern] of cases) assert.match(oneErrorLine(runCli(args)), pattern, args.join(' '));
});

test('train face --help shows the learning rate train face uses (0.1 for sgd), train classify its own (0.05)', () => {
  assert.match(runCli(['train', 'face', '--help']).stdout, /default:\s+0\.1\s+for\s+sgd,\s+0\.001\s+for\s+adam\/adamw/);
  assert.match(runCli(['train', 'classify', '--help']).stdout, /default:\s+0\.05\s+for\s+sgd,\s+0\.001\s+for\s+adam\/adamw/);
});
