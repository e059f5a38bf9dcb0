/**
 * The genotype concept, in one folder: the CNN cell (`cnn.ts`: types, validation, JSON and DARTS text),
 * its derivation from architecture weights (`derive.ts`), the recurrent cell (`rnn.ts`), and the
 * published tables with the `--arch` resolver (`library.ts`, over the single copy of the data in
 * `cnn-genotypes.json` / `rnn-genotypes.json`). `py-literal.ts` and `json-object.ts` are the readers
 * the text and JSON forms share; they stay internal.
 */
export {
  formatGenotype,
  genotypeFromJSON,
  genotypesEqual,
  genotypeToJSON,
  parseGenotype,
  validateGenotype,
  type Gene,
  type Genotype,
  type GenotypeJSON,
} from './cnn.js';
export { deriveGenotype, MULTIPLIER, SEARCH_CONCAT, softmaxRows } from './derive.js';
export {
  deriveRnnGenotype,
  formatRnnGenotype,
  parseRnnGenotype,
  rnnGenotypeFromJSON,
  rnnGenotypeToJSON,
  validateRnnGenotype,
  RNN_PRIMITIVES,
  RNN_STEPS,
  type RnnActivation,
  type RnnGene,
  type RnnGenotype,
  type RnnGenotypeJSON,
  type RnnPrimitiveName,
} from './rnn.js';
export {
  closeNames,
  CNN_GENOTYPE_DATA,
  CNN_GENOTYPE_NAMES,
  getGenotype,
  getRnnGenotype,
  hasGenotype,
  resolveGenotype,
  resolveRnnGenotype,
  RNN_GENOTYPE_DATA,
  RNN_GENOTYPE_NAMES,
  type CnnGenotypeRecord,
  type RnnGenotypeRecord,
} from './library.js';
