// Exit codes of wavecv: 2 for bad input (WavecvError, commander usage errors,
// a named path that does not exist), 1 for a failure while working, 0 for help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { WavecvError } from '../../src/errors.js';
import { exitCodeOf } from '../../src/cli/error-message.js';
import { oneErrorLine, runCli } from './helpers.js';

const errno = (code: string, syscall = 'open') => Object.assign(new Error(code), { code, syscall, path: '/some/file' });

test('exitCodeOf: bad input 2, failures 1, help 0', () => {
  assert.equal(exitCodeOf(new WavecvError('level', 1.5, 'a positive integer')), 2);
  assert.equal(exitCodeOf(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")), 2);
  assert.equal(exitCodeOf(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'error: required option')), 2);
  assert.equal(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), 0);
  assert.equal(exitCodeOf(errno('ENOENT')), 2);
  assert.equal(exitCodeOf(errno('EISDIR')), 2);
  assert.equal(exitCodeOf(errno('ENOSPC', 'write')), 1);
  assert.equal(exitCodeOf(errno('EIO', 'read')), 1);
  assert.equal(exitCodeOf(new TypeError('a bug')), 1);
  assert.equal(exitCodeOf(Object.assign(new Error('not errno'), { code: 'ENOENT' })), 1, 'a code without a syscall is no file-system error');
});

test('the CLI: usage errors and refused values exit 2 with one wavecv: line; --help exits 0', () => {
  const unknown = runCli(['dwt', '--bogus']);
  assert.equal(unknown.status, 2);
  assert.match(oneErrorLine(unknown), /^wavecv: unknown option '--bogus'/);
  const missing = runCli(['eval', 'segment', '--data', 'x']);
  assert.equal(missing.status, 2);
  assert.match(oneErrorLine(missing), /^wavecv: required option '--model <dir>' not specified/);
  const help = runCli(['eval', 'swc', '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /\nExamples:\n/);
});
