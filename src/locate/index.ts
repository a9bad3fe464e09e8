// Classical (non-learning) localization: the references a learned model is judged against.
export { powerWeightedCentroid, strongestReceiver } from './centroid.js';
export { gdop } from './gdop.js';
export { type PosteriorOptions, posteriorMean } from './posterior.js';
export { locateRssMl, positionCovWithNuisance, type RssMlOptions } from './rss-ml.js';
export * from './types.js';
