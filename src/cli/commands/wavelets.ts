/**
 * `wavecv wavelets [family]`: the discrete wavelet names of PyWavelets
 * (`pywt.wavelist(family, kind='discrete')`), one per line for a family, or
 * grouped by family (`family: names…`) without one.
 */
import type { Command } from 'commander';
import { FAMILIES, wavelist } from '../../wavelets/filters.js';
import { examples } from '../help-examples.js';

/** The listing printed by `wavecv wavelets` (one line per name, or per family). */
export function waveletListing(family?: string, json = false): string {
  if (family !== undefined) {
    const names = wavelist(family);
    return json ? JSON.stringify(names) : names.join('\n');
  }
  const groups = FAMILIES.map((f) => [f, wavelist(f)] as const);
  if (json) return JSON.stringify(Object.fromEntries(groups), null, 2);
  return groups.map(([f, names]) => `${f}: ${names.join(' ')}`).join('\n');
}

export function registerWavelets(program: Command): void {
  program
    .command('wavelets')
    .argument('[family]', `one of ${FAMILIES.join(', ')}`)
    .description('list the discrete wavelets (the names pywt.wavelist gives), all or of one family')
    .addHelpText('after', examples('wavecv wavelets', 'wavecv wavelets bior --json'))
    .option('--json', 'print JSON')
    .action((family: string | undefined, options: { json?: boolean }) => {
      process.stdout.write(waveletListing(family, options.json) + '\n');
    });
}
