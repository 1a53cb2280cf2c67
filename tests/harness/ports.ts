export * from '../../workflows/tests/harness/ports';
