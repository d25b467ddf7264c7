import { defaultClientConditions, defaultServerConditions } from 'vite';

/** Resolve workspace packages to their TypeScript sources, so tests need no build. */
export const sourceConditions = {
  resolve: { conditions: ['@cellstate/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@cellstate/source', ...defaultServerConditions] } },
};
