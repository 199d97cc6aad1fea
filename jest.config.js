// Three projects: the backend SDK package (packages/sdk), Tributary's Node backend (with the launcher,
// compose and browser tests) and the React frontend (jsdom).
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' } },
];

// Grafana UI and its dependencies ship ES modules that jest must transform too.
const esmPackages = [
  '@grafana', 'ol', 'd3', 'd3-[a-z-]+', 'internmap', 'delaunator', 'robust-predicates', 'react-colorful', 'uuid',
  'marked', '@wojtekmaj', 'ngx-', '@react-hookz/web', '@ver0/deep-equal', 'react-calendar', 'get-user-locale',
  'memoize', 'mimic-function', 'rxjs',
];

module.exports = {
  globalSetup: '<rootDir>/scripts/jest-build-sdk.js',
  projects: [
    {
      displayName: 'sdk',
      testEnvironment: 'node',
      roots: ['<rootDir>/packages/sdk'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      transform: { '^.+\\.(t|j)sx?$': swc },
    },
    {
      displayName: 'backend',
      testEnvironment: 'node',
      roots: ['<rootDir>/backend', '<rootDir>/tests'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.(t|j)sx?$': swc },
    },
    {
      displayName: 'frontend',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.test.ts', '**/*.test.tsx'],
      transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc },
      moduleNameMapper: { '\\.(css|scss|sass)$': '<rootDir>/src/test/styleStub.js' },
      setupFilesAfterEnv: ['<rootDir>/src/test/failOnActWarnings.ts'],
      transformIgnorePatterns: [`node_modules/(?!(${esmPackages.join('|')})/)`],
    },
  ],
};
