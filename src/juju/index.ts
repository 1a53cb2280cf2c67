export * from './types';
export * from './hook-tools';
