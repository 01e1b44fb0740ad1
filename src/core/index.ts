/**
 * core: stream elements, key groups, clocks and classified errors. Imports nothing else in eddy;
 * every other layer may import it.
 */
export * from './key-group.ts';
export * from './errors.ts';
export * from './clock.ts';
export * from './elements.ts';
export * from './fault-injection.ts';
export * from './io-thread-bundles.ts';
export * from './lone-surrogates.ts';
