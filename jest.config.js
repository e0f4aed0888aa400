// Three tiers, as DESIGN.md §3 says. `npm test` runs them all on SQLite;
// `npm run test:mysql` runs the database tiers (integration, e2e) on MariaDB.
// ts-jest without type checking (isolatedModules): `npm run lint` type-checks,
// and pure-JS transpiling keeps native platform packages out of the lock file.
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
