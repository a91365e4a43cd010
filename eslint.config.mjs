import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const n8nRules = (name) => n8nNodesBase.configs[name].rules;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/node_modules/**', 'coverage/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // What the local database (FerretDB 2 on DocumentDB) does differently, docs/database.md:
    // single-document deletes racing an update of the same document delete nothing (deleteMany
    // on the same unique filter does not have the problem), and there are no transactions (every
    // write path is idempotent step by step instead).
    files: ['bridge/src/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        ...['deleteOne', 'findOneAndDelete', 'findByIdAndDelete', 'findOneAndRemove'].map((property) => ({ property, message: 'Use deleteMany with the unique filter (docs/database.md, "Deletes").' })),
        ...['startSession', 'withTransaction', 'startTransaction'].map((property) => ({ property, message: 'No transactions: make each step idempotent (docs/database.md, "Transactions").' })),
      ],
      'no-restricted-syntax': ['error', { selector: "Property[key.name='deleteOne']", message: 'Use deleteMany in bulk writes (docs/database.md, "Deletes").' }],
    },
  },
  {
    // Tests talk to JSON APIs; loose response typing is fine there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['package.json'],
    // The rules look for an ObjectExpression: typescript-eslint's parser reads package.json as one.
    languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: n8nRules('community'),
  },
  {
    files: ['credentials/**/*.ts'],
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: {
      ...n8nRules('credentials'),
      // As in n8n's community starter: the rule expects n8n's own doc slugs, not a full URL.
      'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
    },
  },
  {
    files: ['nodes/**/*.ts'],
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: n8nRules('nodes'),
  },
);
