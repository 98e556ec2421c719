/**
 * The types shared by the two implementations of the periodized filter-bank
 * analysis and synthesis (Mallat, "A Theory for Multiresolution Signal
 * Decomposition", IEEE PAMI 1989, Eqs. 45 and 54, with periodic extension):
 * the convolution path (`filter-bank-conv.ts`) and the native one-axis
 * kernels (`filter-bank-native.ts`). Their own module, so that neither
 * implementation imports the other for its types.
 */

/** One or two filters of the same even length, applied along every transformed axis. */
export type FilterList = readonly (readonly number[])[];

/** What the analysis does with an odd axis: extend by the last sample (pywt) or append a zero (adjoint of a crop). */
export type OddInput = 'extend' | 'zero';
/** How the synthesis reaches an odd target length `2n − 1`: drop the last sample, or add it onto the one before (adjoint of the extension). */
export type OddOutput = 'crop' | 'fold';
