/**
 * The `Examples:` section at the end of a command's `--help`: each example is
 * a whole command line a user can paste (`$ wavecv …`), optionally preceded
 * by a `#` line that says what it does. Examples whose inputs come from an
 * earlier command show that command first, so the chain runs as written.
 * A test parses every example against its command's options and runs the
 * cheap ones (test/cli/help-examples.test.ts).
 */
/** An example: the command line after `$ `, and what it does. */
export interface HelpExample {
  run: string;
  note?: string;
}

/** The section's title, as the help shows it. */
export const EXAMPLES_TITLE = 'Examples:';

/** The `Examples:` text of `list`, for `command.addHelpText('after', examples(…))`. */
export function examples(...list: (HelpExample | string)[]): string {
  const lines = list.flatMap((e) => {
    const example = typeof e === 'string' ? { run: e } : e;
    return [...(example.note ? [`  # ${example.note}`] : []), `  $ ${example.run}`];
  });
  return `\n${EXAMPLES_TITLE}\n${lines.join('\n')}`;
}

/** The command lines (after `$ `) of the `Examples:` section of a help text. */
export function examplesIn(help: string): string[] {
  const start = help.indexOf(`\n${EXAMPLES_TITLE}\n`);
  if (start < 0) return [];
  return help
    .slice(start)
    .split('\n')
    .filter((line) => line.startsWith('  $ '))
    .map((line) => line.slice(4));
}
