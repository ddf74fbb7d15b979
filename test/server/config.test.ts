import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../server/config.js';
import { configProblems } from './helpers.js';

describe('database configuration', () => {
  it('uses SQLite in DATA_DIR when DATABASE_URL is unset', () => {
    assert.equal(loadConfig({}).databaseUrl, null);
  });

  it('takes a postgres:// or postgresql:// URL', () => {
    for (const url of [
      'postgres://fs:secret@db.example.org:5432/fieldsync',
      'postgresql://localhost/fieldsync',
    ]) {
      assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('refuses any other DATABASE_URL, saying what it must be', () => {
    for (const url of ['mysql://localhost/fieldsync', 'fieldsync.db', 'sqlite:///data/fieldsync.db']) {
      const problems = configProblems({ DATABASE_URL: url });
      assert.equal(problems.length, 1, url);
      assert.match(problems[0]!, /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    }
  });
});
