/**
 * `--config run.json` of the `train` commands: a JSON object whose keys are
 * the command's own flags (the long name without `--`, e.g. `"batch-size"`;
 * `"flip": false` for `--no-flip`) and whose values are what one would type
 * after the flag — a number or a string (`"epochs": 3`, `"milestones":
 * "30,60"`; a list also as an array, `[30, 60]`), `true`/`false` for a switch, an object for a repeatable
 * `key=value` flag (`"model-option": { "width": 16 }`).
 *
 * The schema is derived from the command's commander options (zod), so the
 * file accepts exactly the flags the command has: a key no flag has, or a
 * value of the wrong type, is refused naming the key; the values then go
 * through the flags' own parsers, so `"epochs": 1.5` is refused exactly as
 * `--epochs 1.5` is. A missing or unreadable file is refused naming
 * `--config`.
 *
 * Precedence: a flag given on the command line wins over the file, the file
 * wins over the flag's default. Required flags may come from either; one
 * given by neither is refused naming the flag (commander's own check is
 * deferred to after the file is merged, see {@link deferRequiredOptions}).
 *
 * The resolved flags (file, command line and defaults merged; without
 * `--config`, `--resume` and `--json`, which steer this invocation only) are
 * recorded in the run folder's `config.json` under `command`
 * (`{ "task": "train classify", "flags": { … } }`), and `--config` also reads
 * such a `config.json`: `wavecv train classify --config RUN/config.json --out
 * RUN2` repeats the run RUN into RUN2 (same task required).
 */
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { z } from 'zod';
import { WavecvError, check } from '../errors.js';

/** Options that steer one invocation and are neither read from nor recorded in a config. */
const NOT_SETTINGS = new Set(['config', 'resume', 'json', 'help']);

/** What `config.json` records of the command that started the run. */
export type RecordedCommand = {
  /** The command path, e.g. `train classify`. */
  task: string;
  /** The resolved flags, keyed as in a `--config` file. */
  flags: Record<string, unknown>;
};

/** The config key of an option: its long flag without `--` (`--no-flip` → `flip`). */
export function configKey(option: Option): string {
  const long = (option.long ?? '').replace(/^--/, '');
  return option.negate ? long.replace(/^no-/, '') : long;
}

const takesKeyValues = (option: Option): boolean => /<key=value>/.test(option.flags);
const takesValue = (option: Option): boolean => option.required || option.optional;

/** The options a config may set, one per key (`--flip` and `--no-flip` share `flip`). */
function settingOptions(command: Command): Map<string, Option> {
  const byKey = new Map<string, Option>();
  for (const option of command.options as readonly Option[]) {
    const key = configKey(option);
    if (!NOT_SETTINGS.has(key) && !byKey.has(key)) byKey.set(key, option);
  }
  return byKey;
}

/** The zod schema of a config file for `command`: its flags as keys, nothing else. */
export function runConfigSchema(command: Command) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, option] of settingOptions(command)) {
    const scalar = z.union([z.string(), z.number()]);
    shape[key] = (takesKeyValues(option) ? z.record(z.string(), z.unknown()) : takesValue(option) ? z.union([scalar, z.array(scalar)]) : z.boolean()).optional();
  }
  return z.object(shape).strict();
}

/** What a key of `option` takes, for messages. */
function expectedValue(key: string, option: Option): string {
  if (takesKeyValues(option)) return `an object of ${key} entries, e.g. { "width": 16 }`;
  if (takesValue(option)) return `a number or a string as typed after --${key} (a list also as an array)`;
  return 'true or false';
}

/** The command path below the program, e.g. `train classify`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Reads `path` as a config for `command`: a flat object of flags, or the `command.flags` a run's config.json records. */
export function readRunConfig(path: string, command: Command): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WavecvError('--config', path, `a readable JSON file (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WavecvError('--config', path, `a JSON file (${(error as Error).message})`);
  }
  check(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), '--config', path, 'a JSON object of flags');
  const recorded = (parsed as { command?: RecordedCommand }).command;
  if (recorded && typeof recorded === 'object' && 'flags' in recorded) {
    const task = commandPath(command);
    check(recorded.task === task, '--config', path, `the config of a \`wavecv ${task}\` run (it records \`wavecv ${String(recorded.task)}\`)`);
    return recorded.flags;
  }
  return parsed as Record<string, unknown>;
}

/**
 * Validates `config` against `command`'s flags and returns each key's value
 * parsed by its flag's parser; throws a {@link WavecvError} naming the first
 * key refused.
 */
export function parseRunConfig(config: Record<string, unknown>, command: Command, source = '--config'): Map<Option, unknown> {
  const options = settingOptions(command);
  const result = runConfigSchema(command).safeParse(config);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw new WavecvError(`${source} key "${issue.keys[0]}"`, config[issue.keys[0]], `one of the flags of wavecv ${commandPath(command)}: ${[...options.keys()].join(', ')}`);
    }
    const key = String(issue.path[0]);
    throw new WavecvError(`${source} key "${key}"`, config[key], expectedValue(key, options.get(key)!));
  }
  const values = new Map<Option, unknown>();
  for (const [key, value] of Object.entries(result.data)) {
    if (value === undefined) continue;
    const option = options.get(key)!;
    const parse = option.parseArg as ((value: string, previous: unknown) => unknown) | undefined;
    let parsed: unknown;
    if (takesKeyValues(option)) {
      parsed = Object.entries(value as Record<string, unknown>).reduce<unknown>((previous, [k, v]) => (parse ? parse(`${k}=${JSON.stringify(v)}`, previous) : { ...(previous as object), [k]: v }), undefined);
    } else if (takesValue(option)) {
      const typed = Array.isArray(value) ? value.join(',') : String(value);
      parsed = parse ? parse(typed, undefined) : typed;
    } else {
      parsed = value; // the attribute of --x and --no-x is named x either way
    }
    values.set(option, parsed);
  }
  return values;
}

/** The mandatory options of `command` deferred to {@link applyRunConfig} (commander would refuse them before the file is read). */
const deferred = new WeakMap<Command, Option[]>();

/**
 * Makes `command`'s required options optional for commander and remembers
 * them, so that a required flag may come from `--config`; run before the
 * command parses its arguments (the `train` group's `preSubcommand` hook).
 */
export function deferRequiredOptions(command: Command): void {
  if (deferred.has(command)) return;
  const required = (command.options as readonly Option[]).filter((o) => o.mandatory);
  for (const option of required) option.makeOptionMandatory(false);
  deferred.set(command, required);
}

/**
 * Merges the `--config` file of `command` (if any) under its command-line
 * flags, then checks the required flags: a `preAction` hook (see the module
 * comment for the precedence).
 */
export function applyRunConfig(command: Command): void {
  const path = command.getOptionValue('config') as string | undefined;
  if (path !== undefined) {
    for (const [option, value] of parseRunConfig(readRunConfig(path, command), command)) {
      const name = option.attributeName();
      if (command.getOptionValueSource(name) !== 'cli') command.setOptionValueWithSource(name, value, 'config');
    }
  }
  for (const option of deferred.get(command) ?? []) {
    check(command.getOptionValue(option.attributeName()) !== undefined, `--${configKey(option)}`, undefined, `a value: the flag, or "${configKey(option)}" in the --config file`);
  }
}

/** Adds `--config <file>` to a `train` command and merges the file before its action runs. */
export function addConfigOption(command: Command): Command {
  return command
    .option('--config <file>', 'JSON file of flags (keys as the flags, e.g. {"epochs": 3, "model-option": {"width": 16}}) or a run\'s config.json; flags on the command line win')
    .hook('preAction', (thisCommand) => applyRunConfig(thisCommand));
}

/** The resolved flags of `command` (after {@link applyRunConfig}), as `config.json` records them. */
export function recordedCommand(command: Command): RecordedCommand {
  const flags: Record<string, unknown> = {};
  for (const [key, option] of settingOptions(command)) {
    const value = command.getOptionValue(option.attributeName());
    if (value !== undefined) flags[key] = value;
  }
  return { task: commandPath(command), flags };
}
