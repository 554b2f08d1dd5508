/* prices: prices kept in the database. model_prices is the price list that
 * fills in what an upstream does not report (seeded from sql/prices.tsv by
 * migrate, replaced or extended by `switchboard prices import`); an admin's
 * price_overrides beat what an upstream reports for one provider's model
 * (applied where catalog.c reads models); price_changes records every change
 * of either. Owns those three tables and keeps the in-process price table
 * (price.h) in step with model_prices. Computes no cost (usage.c) and parses
 * no units (price.c). */
#ifndef SB_PRICES_H
#define SB_PRICES_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "config.h"
#include "error.h"

/* Load model_prices into the price table now. 0, or -1 with the table
 * unchanged (the shipped one, or the last loaded). */
int	prices_refresh(void);
/* Make the next prices_ensure reload (the global change stamp moved). */
void	prices_invalidate(void);
/* Reload the table if invalidated or loaded more than a minute ago; call
 * before price_lookup in a long-lived process. */
void	prices_ensure(void);

/* What an import did. */
struct prices_import_stats {
	size_t	 read;		/* entries in the file */
	size_t	 priced;	/* entries with a token price, after merging names */
	size_t	 changed;	/* new rows or changed prices (each recorded) */
	size_t	 applied;	/* catalog rows whose table price it updated */
};

/* What prices_import can fail with. */
#define PRICES_EINVAL	(-1)	/* the list is malformed: nothing changed */
#define PRICES_EDB	(-2)	/* the database failed */

/* Import a price list: LiteLLM's model_prices_and_context_window.json (text
 * starting with '{') or the sql/prices.tsv format, recorded as changes by
 * actor_id (0: the command line). One transaction; then catalog rows priced
 * from the table are updated and the change stamp bumped. 0, or
 * PRICES_EINVAL / PRICES_EDB with a message in err. */
int	prices_import(long long actor_id, const char *text, size_t len,
	    struct prices_import_stats *st, char *err, size_t errlen);

/* An admin's prices for provider's model (micro-USD per 1M tokens; the cache
 * prices -1 when not set). */
struct price_override {
	const char	*provider;	/* api_providers.name */
	const char	*model;		/* the model id as the provider lists it */
	int64_t		 input;
	int64_t		 output;
	int64_t		 cache_read;
	int64_t		 cache_write;
};

/* Set or replace an override, recorded as a change by actor_id. 0, or -1
 * with e (404 unknown provider, 503 database). */
int	prices_override_set(long long actor_id, const struct price_override *o,
	    struct sb_error *e);
/* Remove one; 0, or -1 with e (404 when there is none). */
int	prices_override_clear(long long actor_id, const char *provider, const char *model,
	    struct sb_error *e);
/* {"overrides":[{provider, model, input_price_per_m, …, set_by, set_at}]};
 * NULL when the database failed. */
cJSON	*prices_overrides_json(void);
/* {"changes":[…]}, newest first, at most limit; NULL when the database failed. */
cJSON	*prices_changes_json(int limit);

/* `switchboard prices import FILE`. */
int	prices_cli(const struct config *cfg, int argc, char **argv);

#endif
