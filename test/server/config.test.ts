import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HASH_COST } from '../../server/auth/passwords.js';
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

  it('opens up to 10 connections to PostgreSQL unless DATABASE_POOL_SIZE says otherwise', () => {
    const url = 'postgres://localhost/fieldsync';
    assert.equal(loadConfig({ DATABASE_URL: url }).databasePoolSize, 10);
    assert.equal(loadConfig({ DATABASE_URL: url, DATABASE_POOL_SIZE: '32' }).databasePoolSize, 32);
  });

  it('refuses a DATABASE_POOL_SIZE that is not a whole number from 1 to 1000, or without DATABASE_URL', () => {
    const url = 'postgres://localhost/fieldsync';
    for (const size of ['0', '1001', 'ten', '2.5', '-3']) {
      assert.deepEqual(configProblems({ DATABASE_URL: url, DATABASE_POOL_SIZE: size }), [
        `DATABASE_POOL_SIZE must be a whole number from 1 to 1000, not "${size}".`,
      ]);
    }
    assert.deepEqual(configProblems({ DATABASE_POOL_SIZE: '20' }), [
      'DATABASE_POOL_SIZE is for PostgreSQL: it needs DATABASE_URL.',
    ]);
  });
});

describe('photo store configuration', () => {
  it('keeps photos in the folder DATA_DIR/photos when PHOTO_STORE is unset', () => {
    assert.equal(loadConfig({}).photoStore, null);
  });

  it('takes s3://bucket and s3://bucket/prefix, a custom endpoint addressed path-style', () => {
    const plain = loadConfig({ PHOTO_STORE: 's3://field-photos', AWS_REGION: 'eu-west-1' }).photoStore;
    assert.deepEqual(plain, { bucket: 'field-photos', prefix: '', client: { forcePathStyle: false } });
    const nested = loadConfig({
      PHOTO_STORE: 's3://field.photos-2026/kisumu/photos/',
      AWS_ENDPOINT_URL_S3: 'http://minio.internal:9000',
    }).photoStore;
    assert.deepEqual(nested, {
      bucket: 'field.photos-2026',
      prefix: 'kisumu/photos/',
      client: { forcePathStyle: true, region: 'us-east-1' },
    });
  });

  it('refuses anything but an s3:// URL with a valid bucket name, saying what it must be', () => {
    for (const url of ['/var/photos', 'https://s3.amazonaws.com/bucket', 's3://', 's3://UPPER', 's3://a']) {
      const problems = configProblems({ PHOTO_STORE: url });
      assert.equal(problems.length, 1, url);
      assert.match(problems[0]!, /PHOTO_STORE must be s3:\/\/bucket or s3:\/\/bucket\/prefix/);
    }
  });
});

describe('password hash configuration', () => {
  it('hashes at the default cost unless PASSWORD_HASH_COST says otherwise', () => {
    assert.equal(loadConfig({}).passwordHashCost, DEFAULT_HASH_COST);
    assert.equal(loadConfig({ PASSWORD_HASH_COST: '10' }).passwordHashCost, 10);
    assert.equal(loadConfig({ PASSWORD_HASH_COST: '17' }).passwordHashCost, 17);
  });

  it('refuses a PASSWORD_HASH_COST below 10 or above 20, saying what it must be', () => {
    for (const cost of ['9', '21', 'high', '12.5']) {
      assert.deepEqual(configProblems({ PASSWORD_HASH_COST: cost }), [
        `PASSWORD_HASH_COST must be a whole number from 10 to 20, not "${cost}".`,
      ]);
    }
  });
});
