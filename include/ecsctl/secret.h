/*
 * What looks secret: one rule set for plans, drift, status, logs, watch and
 * error messages (docs/security.md, "Secrets in output"). diff/ masks JSON
 * values with it; front ends and loggers redact free text with it.
 */
#ifndef ECSCTL_SECRET_H
#define ECSCTL_SECRET_H

#include "ecsctl/buf.h"

/* What a log line or message shows instead of a secret. */
#define ECSCTL_SECRET_MASK "***"

/*
 * 1 when a name (an environment variable, a log option or label key) looks
 * secret. The name is split into words at every character that is not a
 * letter or digit, at lower-to-upper case changes (apiKey), before the last
 * capital of a run followed by a lower-case letter (APIKey) and between
 * letters and digits. A word counts when it contains PASSWORD, PASSWD,
 * PASSPHRASE, SECRET, TOKEN, CREDENTIAL, SIGNATURE, COOKIE, SESSION or
 * AUTHORIZATION; is KEY, PASS, AUTHN or AUTHZ; or ends in PWD, AUTH, DSN,
 * APIKEY, PRIVATEKEY, ACCESSKEY, SIGNINGKEY, AUTHKEY, MASTERKEY, SSHKEY or
 * ENCRYPTIONKEY. Any case. DB_PASS, apiKey, SENTRY_DSN, OAUTH_CLIENT match;
 * MONKEY, KEYBOARD_LAYOUT, PASSENGER_COUNT, BYPASS_CACHE, AUTHOR_NAME do not.
 */
int ecsctl_secret_name(const char *name);

/*
 * 1 when a string holds something that gives itself away as a credential,
 * whatever its name: a URL with a password (`scheme://user:pass@host`), a
 * field NAME=value whose NAME looks secret (a connection string's
 * `Password=...;`, a query's `&token=...`; NAME at the start or after one of
 * `;&?,` or a blank), an AWS access key id (AKIA/ASIA + 16), a PEM block
 * (`-----BEGIN ...-----`), a JWT (`eyJ...`.`...`.`...`), or a token with an
 * issuer's prefix (ghp_, github_pat_, glpat-, xoxb-, sk_live_, AIza, ...).
 * Anywhere in the string.
 */
int ecsctl_secret_value(const char *value);

/*
 * Appends `text` with the secret part of every match of
 * ecsctl_secret_value()'s rules replaced by ECSCTL_SECRET_MASK: a URL's
 * password (`https://admin:***@host`), a field's value (`Password=***;`),
 * the whole key id, PEM block, JWT or token. For free text: log lines,
 * error messages. `text` may be NULL (nothing appended).
 */
void ecsctl_secret_redact(struct ecsctl_buf *out, const char *text);

#endif
