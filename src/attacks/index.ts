/** Adversarial attacks (L∞, untargeted, input space [0, 1]) and adversarial accuracy. */
export { classifierFromModel, crossEntropySum, inputGradient, type Classifier } from './classifier.js';
export { fgsm } from './fgsm.js';
export { pgd, type PgdOptions } from './pgd.js';
export { adversarialAccuracy, type AttackSpec, type AdversarialAccuracyOptions } from './evaluate.js';
