/**
 * Settings every vitest project shares: resolve sibling packages to their TypeScript sources
 * through the `@kspec/source` export condition, so tests need no build.
 */
import type { UserWorkspaceConfig } from 'vitest/config';

export function kspecProject(name: string, extra: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['@kspec/source'] },
    ssr: { resolve: { conditions: ['@kspec/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      typecheck: { enabled: false },
      ...extra,
    },
  };
}
