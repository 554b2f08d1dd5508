/* metrics: the /metrics handler (metrics.h). Reads all-time aggregates by
 * provider, model, status and error category through usagerep, and writes
 * them with prom. Counters only grow: pruned raw rows stay in the roll-ups. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "db.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "prom.h"
#include "report.h"
#include "rollup.h"
#include "server.h"
#include "usageapi.h"
#include "usagerep.h"

struct metrics_prov {
	const char		*name;
	struct report_agg	 agg;
};

static int
metrics_allowed(struct req *r)
{
	const struct config	*cfg = server_config();
	const char		*h = http_header(r, "HTTP_AUTHORIZATION");
	size_t			 tl;

	if (r->who.via == AUTH_VIA_SESSION && r->who.is_admin)
		return 1;
	if (h == NULL || cfg->metrics_token == NULL ||
	    (tl = strlen(cfg->metrics_token)) == 0)
		return 0;
	if (strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != tl)
		return 0;
	return CRYPTO_memcmp(h + 7, cfg->metrics_token, tl) == 0;
}

static struct metrics_prov *
metrics_prov(struct metrics_prov *v, size_t *n, const char *name)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	if (*n == METRICS_MAX_PROVIDERS)
		return NULL;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].name = name;
	return &v[(*n)++];
}

static int
metrics_busier(const void *a, const void *b)
{
	const struct usagerep_row *x = *(const struct usagerep_row *const *)a;
	const struct usagerep_row *y = *(const struct usagerep_row *const *)b;

	if (x->agg.requests != y->agg.requests)
		return x->agg.requests > y->agg.requests ? -1 : 1;
	return strcmp(x->provider, y->provider) ? strcmp(x->provider, y->provider) :
	    strcmp(x->model, y->model);
}

static void
metrics_request_samples(struct prom *p, const char *provider, const char *model,
    const struct report_agg *a)
{
	struct prom_label	 l[3];
	int64_t			 n[REPORT_STATUS__MAX];
	int			 k;

	n[REPORT_SUCCESS] = a->requests - a->errors - a->cancelled;
	n[REPORT_ERROR] = a->errors;
	n[REPORT_CANCELLED] = a->cancelled;
	for (k = 0; k < REPORT_STATUS__MAX; k++) {
		l[0] = (struct prom_label){ "provider", provider };
		l[1] = (struct prom_label){ "model", model };
		l[2] = (struct prom_label){ "status", report_status_names[k] };
		prom_sample(p, "switchboard_requests_total", l, 3, n[k], 0);
	}
}

/* The busiest [server] metrics_max_series (provider, model) pairs keep their
 * labels; the rest are summed under "(other)": a client naming endless
 * models cannot grow the scrape past its cap. */
static void
metrics_requests(struct prom *p, const struct usagerep_result *res)
{
	const struct usagerep_row	**by;
	struct report_agg		 rest;
	size_t				 i, cap = (size_t)server_config()->metrics_max_series;

	prom_family(p, "switchboard_requests_total", "counter",
	    "Requests through the gateway by provider, model and status.");
	if ((by = calloc(res->n + 1, sizeof(*by))) == NULL)
		return;
	for (i = 0; i < res->n; i++)
		by[i] = &res->v[i];
	qsort(by, res->n, sizeof(*by), metrics_busier);
	memset(&rest, 0, sizeof(rest));
	for (i = 0; i < res->n; i++) {
		if (i < cap)
			metrics_request_samples(p, by[i]->provider, by[i]->model, &by[i]->agg);
		else
			report_agg_merge(&rest, &by[i]->agg);
	}
	if (res->n > cap)
		metrics_request_samples(p, "(other)", "(other)", &rest);
	free(by);
}

static void
metrics_errors(struct prom *p, const struct report_agg *t)
{
	struct prom_label	 l;
	int			 k;

	prom_family(p, "switchboard_upstream_errors_total", "counter",
	    "Failed requests by error category.");
	for (k = 0; k < REPORT_NCAT; k++) {
		l = (struct prom_label){ "category", report_cat_names[k] };
		prom_sample(p, "switchboard_upstream_errors_total", &l, 1,
		    t->err_cat[k], 0);
	}
}

static void
metrics_histograms(struct prom *p, const struct metrics_prov *pv, size_t np)
{
	struct prom_label	 l;
	size_t			 i;

	prom_family(p, "switchboard_request_duration_seconds", "histogram",
	    "Request latency from arrival to the last byte, by provider.");
	for (i = 0; i < np; i++) {
		l = (struct prom_label){ "provider", pv[i].name };
		prom_histogram(p, "switchboard_request_duration_seconds", &l, 1,
		    report_bounds_ms, pv[i].agg.lat_hist, REPORT_NB,
		    pv[i].agg.latency_sum_ms, 3);
	}
	prom_family(p, "switchboard_time_to_first_token_seconds", "histogram",
	    "Time to the first streamed token, by provider (streams only).");
	for (i = 0; i < np; i++) {
		l = (struct prom_label){ "provider", pv[i].name };
		prom_histogram(p, "switchboard_time_to_first_token_seconds", &l, 1,
		    report_bounds_ms, pv[i].agg.ttft_hist, REPORT_NB,
		    pv[i].agg.ttft_sum_ms, 3);
	}
}

static void
metrics_totals(struct prom *p, const struct report_agg *t, int64_t lag)
{
	struct prom_label	 l;

	prom_family(p, "switchboard_tokens_total", "counter",
	    "Tokens by direction (prompt = input, completion = output).");
	l = (struct prom_label){ "direction", "prompt" };
	prom_sample(p, "switchboard_tokens_total", &l, 1, t->prompt_tokens, 0);
	l = (struct prom_label){ "direction", "completion" };
	prom_sample(p, "switchboard_tokens_total", &l, 1, t->completion_tokens, 0);
	prom_family(p, "switchboard_cost_usd_total", "counter",
	    "Cost of all requests in USD.");
	prom_sample(p, "switchboard_cost_usd_total", NULL, 0, t->cost_micros, 6);
	prom_family(p, "switchboard_usage_rollup_lag_seconds", "gauge",
	    "Age of the roll-up watermark (raw rows newer than it are read raw).");
	prom_sample(p, "switchboard_usage_rollup_lag_seconds", NULL, 0, lag, 0);
}

static int
metrics_build(struct prom *p)
{
	struct usage_filter	 f;
	struct usagerep_result	 res;
	struct metrics_prov	*pv;
	struct report_agg	 tot;
	size_t			 np = 0, i;
	int64_t			 now = (int64_t)time(NULL);
	struct metrics_prov	*m;
	int			 rc;

	memset(&f, 0, sizeof(f));
	f.from = 946684800;
	f.to = now - now % 3600 + 3600;
	if ((rc = usagerep_aggregate(&f, &res)) != DB_OK)
		return rc;
	if ((pv = calloc(METRICS_MAX_PROVIDERS, sizeof(*pv))) == NULL) {
		usagerep_free(&res);
		return DB_ERROR;
	}
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < res.n; i++) {
		report_agg_merge(&tot, &res.v[i].agg);
		if ((m = metrics_prov(pv, &np, res.v[i].provider)) != NULL)
			report_agg_merge(&m->agg, &res.v[i].agg);
	}
	metrics_requests(p, &res);
	metrics_histograms(p, pv, np);
	metrics_totals(p, &tot, now - res.watermark);
	metrics_errors(p, &tot);
	rc = health_metrics_circuits(p);
	free(pv);
	usagerep_free(&res);
	return rc;
}

int
metrics_handle(struct req *r)
{
	struct buf	 out;
	struct prom	 p;
	int		 rc;

	if (!metrics_allowed(r))
		return http_fail(r, ERR_AUTH, 401, "not_authenticated",
		    "Send 'Authorization: Bearer <metrics_token>' or log in as an administrator.");
	usageapi_roll_on_read();
	buf_init(&out, METRICS_MAX_BYTES);
	prom_init(&p, &out);
	if ((rc = metrics_build(&p)) != DB_OK) {
		buf_free(&out);
		return usageapi_db_fail(r, rc);
	}
	if (prom_status(&p) != PROM_OK) {
		buf_free(&out);
		return http_fail(r, ERR_INTERNAL, 500, "metrics_too_large",
		    "The metrics output exceeded its size limit.");
	}
	http_send_body(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    out.data ? out.data : "", out.len);
	buf_free(&out);
	return 0;
}
