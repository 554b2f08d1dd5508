/* account: the data access for users and gateway keys, shared by the
 * account program and the CLI. Every query on a key is bound to its owner. */
#ifndef SB_ACCOUNT_H
#define SB_ACCOUNT_H

#include <cjson/cJSON.h>

#include "error.h"

/* Create a user; 0 with *id set, or -1 with e filled (409 if the name is taken). */
int	account_user_create(const char *username, const char *password, int is_admin,
	    int iterations, long long *id, struct sb_error *e);
/* 1 when no user exists yet, 0 when one does, -1 on a database error. */
int	account_no_users(void);
/* Validate a username: 1–64 of [A-Za-z0-9._@-]. */
int	account_username_ok(const char *s);
/* The user as {"id","username","role"} (plus is_active, created_at when full). */
cJSON	*account_user_json(long long id, int full);

#endif
