/* respstore: the stored_responses rows of /v1/responses (store: true,
 * previous_response_id, GET and DELETE /v1/responses/{id}). Every lookup is
 * by id and owner: a user never sees another's. */
#ifndef SB_RESPSTORE_H
#define SB_RESPSTORE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#define RESPSTORE_MAX_BYTES	(8u * 1024 * 1024)	/* conversation + response */

/* Keep a response: its conversation (an array of canonical messages) and
 * the response object. 0, or -1 (too large, or the database failed; logged). */
int	respstore_save(const char *id, long long user_id, const cJSON *conversation,
	    const cJSON *response);
/* The stored conversation (*out, caller owns) or response object of id.
 * 0 found, 1 not found (or not the user's), -1 database failure. */
int	respstore_conversation(const char *id, long long user_id, cJSON **out);
int	respstore_response(const char *id, long long user_id, cJSON **out);
/* 0 deleted, 1 not found, -1 database failure. */
int	respstore_delete(const char *id, long long user_id);
/* Delete rows older than cutoff ("YYYY-MM-DD HH:MM:SS"); *deleted counts. */
int	respstore_prune(const char *cutoff, int64_t *deleted);

#endif
