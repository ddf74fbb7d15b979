-- Accounts, devices and their credentials (docs/accounts.md). Secrets are
-- never stored: only the SHA-256 of each token, code and credential, and
-- an scrypt hash (with its parameters) of each password. Unlike the
-- records of submissions, these rows change: a device is revoked, a
-- password reset, a session ends.

-- Supervisors and administrators. username_key is the username folded for
-- comparison (server/auth/users.ts), so "Amina" and "amina" are one account.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('supervisor', 'admin')),
  -- JSON array of form ids; NULL for every form.
  form_ids      TEXT,
  created_at    TEXT NOT NULL,
  disabled_at   TEXT
);

-- A signed-in browser. It ends 12 hours after last_used_at, and at
-- expires_at in any case.
CREATE TABLE sessions (
  token_hash   TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
  user_id      TEXT NOT NULL REFERENCES users (id),
  created_at   TEXT NOT NULL,
  last_used_at TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- A device, from the moment an administrator creates its enrollment code.
-- credential_hash is NULL until it enrolls; the code's hash is kept after
-- use, so that a second use is told "already used" rather than "unknown".
CREATE TABLE devices (
  id                    TEXT PRIMARY KEY,
  name                  TEXT NOT NULL,
  kiosk                 BOOLEAN NOT NULL,
  form_ids              TEXT,
  credential_hash       TEXT UNIQUE CHECK (length(credential_hash) = 64),
  enrollment_code_hash  TEXT NOT NULL UNIQUE CHECK (length(enrollment_code_hash) = 64),
  enrollment_expires_at TEXT NOT NULL,
  created_at            TEXT NOT NULL,
  enrolled_at           TEXT,
  last_seen_at          TEXT,
  app_version           TEXT,
  revoked_at            TEXT
);

-- One-time tokens of the set-up link, printed while there is no administrator.
CREATE TABLE setup_tokens (
  token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
);

-- Failed sign-ins per username (known or not), for the limit every server
-- shares; a row whose last failure is old enough counts as none.
CREATE TABLE sign_in_failures (
  username_key   TEXT PRIMARY KEY,
  failures       INTEGER NOT NULL CHECK (failures >= 1),
  last_failed_at TEXT NOT NULL
);

-- The enrolled device whose credential sent the submission; NULL for those
-- received before devices enrolled. The payload's deviceId stays as data.
ALTER TABLE submissions ADD COLUMN sent_by TEXT REFERENCES devices (id);
