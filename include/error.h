/* error: the categorized error every failure becomes. A function that fails
 * fills a struct sb_error (category, HTTP status, specific code, a message a
 * person can act on); http turns it into OpenAI's error shape. */
#ifndef SB_ERROR_H
#define SB_ERROR_H

enum err_category {
	ERR_NONE = 0,
	ERR_AUTH,
	ERR_RATE_LIMIT,
	ERR_BUDGET,
	ERR_MODEL,
	ERR_VALIDATION,
	ERR_NETWORK,
	ERR_TIMEOUT,
	ERR_UPSTREAM,
	ERR_INTERNAL,
	ERR__MAX
};

extern const char *const err_category_names[ERR__MAX];

struct sb_error {
	enum err_category	 category;
	int			 status;	/* HTTP status for the client */
	int			 retry_after;	/* seconds, 0 = none */
	/* A rate limit's figures for error.details, where known (has_limit). */
	int			 has_limit;
	long long		 limit;		/* requests per window, -1 unknown */
	long long		 remaining;	/* -1 unknown */
	char			 code[48];
	char			 message[320];
};

void	err_set(struct sb_error *e, enum err_category cat, int status,
	    const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	err_clear(struct sb_error *e);
/* The one error for a database that did not answer: 503
 * database_unavailable, with a Retry-After. Returns -1. */
int	err_db_unavailable(struct sb_error *e);

#endif
