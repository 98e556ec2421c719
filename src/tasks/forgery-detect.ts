/**
 * Forgery detection on photos (`wavecv detect`): loading a `wavecv train
 * forgery` model from its run folder; cropping and scoring the faces is in
 * the browser-safe `forgery-score.ts`, re-exported here.
 */
import { check } from '../errors.js';
import { loadRunModel, type LoadedRunModel } from '../train/run-folder.js';

export * from './forgery-score.js';

/** Loads a `train forgery` model (run folder or model folder) and checks it scores real/fake. */
export async function loadForgeryModel(path: string): Promise<LoadedRunModel & { fakeClass: number }> {
  const loaded = await loadRunModel(path, 'forgery');
  const fakeClass = loaded.metadata.classNames?.indexOf('fake') ?? -1;
  if (fakeClass < 0 || loaded.metadata.preprocessing.inputShape.length !== 3) {
    loaded.model.dispose();
    check(false, 'model', path, 'a 2-D forgery detector whose classes include "fake"');
  }
  return { ...loaded, fakeClass };
}
