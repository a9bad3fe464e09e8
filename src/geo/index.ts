export * from './distance.js';
export * from './local-frame.js';
export * from './wgs84.js';
