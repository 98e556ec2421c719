// Every number a command reads from its flags is parsed by src/cli/option-parsers.ts:
// fractions, words and out-of-range values are refused with the flag named, before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { choice, numberInRange, parseIntegerList, parseNumberList } from '../../src/cli/option-parsers.js';
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
});

test('CLI: fractional --level, --seed, --pair-seed and an out-of-range --threshold are refused in one line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['dwt', '--level', '1.5', '--out', 'never.png'], /^wavecv: level: got "1.5", expected a positive integer$/],
    [['eval', 'robustness', '--model', 'none', '--data', 'fashion-mnist', '--seed', '0.5', '--out', 'never'], /^wavecv: seed: got "0.5", expected an integer ≥ 0$/],
    [['train', 'face', '--backbone', 'iresnet-tiny', '--loss', 'uce', '--data', 'mnist', '--pair-seed', '2.5', '--out', 'never'], /^wavecv: pair-seed: got "2.5", expected an integer ≥ 0$/],
    [['verify', 'a.jpg', 'b.jpg', '--model', 'none', '--threshold', '1.5'], /^wavecv: threshold: got "1.5", expected a number in \[-1, 1\]$/],
  ];
  for (const [args, pattern] of cases) assert.match(oneErrorLine(runCli(args)), pattern, args.join(' '));
});

test('train face --help shows the learning rate train face uses (0.1 for sgd), train classify its own (0.05)', () => {
  assert.match(runCli(['train', 'face', '--help']).stdout, /default:\s+0\.1\s+for\s+sgd,\s+0\.001\s+for\s+adam\/adamw/);
  assert.match(runCli(['train', 'classify', '--help']).stdout, /default:\s+0\.05\s+for\s+sgd,\s+0\.001\s+for\s+adam\/adamw/);
});
