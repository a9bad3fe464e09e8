export * from './bad-blocks.js';
export * from './measure.js';
export * from './resample.js';
export * from './spectrum.js';
export * from './time-base.js';
