// TypeDoc configuration of `npm run docs:api` (docs/api). A JavaScript config because markdown-it
// is tuned in code: `facts.md` and the like are file names, not web addresses (linkify's
// "fuzzy" links without a scheme are off; https://… is still linked).
/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  $schema: 'https://typedoc.org/schema.json',
  name: 'kspec',
  entryPointStrategy: 'packages',
  entryPoints: ['packages/*', 'apps/*'],
  packageOptions: {
    entryPoints: ['src/index.ts'],
    tsconfig: 'tsconfig.json',
    includeVersion: false,
    disableGit: true,
    // {path} relative to the repository root; member pages sit one folder below docs/api
    displayBasePath: '../..',
    sourceLinkTemplate: '../../../{path}#L{line}',
    skipErrorChecking: true,
  },
  out: 'docs/api',
  readme: 'README.md',
  treatWarningsAsErrors: true,
  disableGit: true,
  sourceLinkTemplate: '../../../{path}#L{line}',
  excludePrivate: true,
  excludeInternal: true,
  categorizeByGroup: false,
  highlightLanguages: [
    'bash',
    'console',
    'css',
    'html',
    'javascript',
    'json',
    'jsonc',
    'json5',
    'sh',
    'tsx',
    'typescript',
    'ts',
    'xml',
    'yaml',
  ],
  markdownItLoader: (md) => {
    md.linkify.set({ fuzzyLink: false });
  },
  plugin: ['./tools/docs/typedoc-plugin.mjs'],
};
export default config;
