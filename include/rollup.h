/* rollup: hourly roll-ups of the usage log, the watermark, and pruning.
 * Raw rows with created_at < rolled_until are counted in usage_rollup_hourly;
 * readers use roll-ups below the watermark and raw rows from it on. Prune
 * deletes only raw rows below both the retention cutoff and the watermark.
 * Every step is idempotent and safe to run from several processes or nodes
 * (replace-on-duplicate inserts, a guarded watermark UPDATE, no locks). */
#ifndef SB_ROLLUP_H
#define SB_ROLLUP_H

#include <stdint.h>

#include "config.h"

#define ROLLUP_CHUNK_S		86400	/* one transaction covers at most a day */
#define ROLLUP_PRUNE_BATCH	5000	/* rows per DELETE */
#define ROLLUP_READ_CHUNKS	1	/* chunks rolled on a read, at most */

/* The 50 counter columns shared by usage_rollup_hourly and _daily, in the
 * order struct report_agg is filled (report.c: report_agg_from_cells). */
#define ROLLUP_COLS \
	"requests, errors, cancelled, err_auth, err_rate_limit, " \
	"err_budget, err_model, err_validation, err_network, err_timeout, " \
	"err_upstream, err_internal, err_other, prompt_tokens, " \
	"completion_tokens, total_tokens, cost_micros, latency_sum_ms, " \
	"ttft_sum_ms, ttft_count, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, " \
	"lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10, lat_b11, " \
	"lat_b12, lat_b13, lat_b14, ttft_b0, ttft_b1, ttft_b2, ttft_b3, " \
	"ttft_b4, ttft_b5, ttft_b6, ttft_b7, ttft_b8, ttft_b9, ttft_b10, " \
	"ttft_b11, ttft_b12, ttft_b13, ttft_b14"
/* Their sums over roll-up rows. */
#define ROLLUP_SUMS \
	"SUM(requests), SUM(errors), SUM(cancelled), SUM(err_auth), " \
	"SUM(err_rate_limit), SUM(err_budget), SUM(err_model), " \
	"SUM(err_validation), SUM(err_network), SUM(err_timeout), " \
	"SUM(err_upstream), SUM(err_internal), SUM(err_other), " \
	"SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), " \
	"SUM(cost_micros), SUM(latency_sum_ms), SUM(ttft_sum_ms), " \
	"SUM(ttft_count), SUM(lat_b0), SUM(lat_b1), SUM(lat_b2), " \
	"SUM(lat_b3), SUM(lat_b4), SUM(lat_b5), SUM(lat_b6), SUM(lat_b7), " \
	"SUM(lat_b8), SUM(lat_b9), SUM(lat_b10), SUM(lat_b11), " \
	"SUM(lat_b12), SUM(lat_b13), SUM(lat_b14), SUM(ttft_b0), " \
	"SUM(ttft_b1), SUM(ttft_b2), SUM(ttft_b3), SUM(ttft_b4), " \
	"SUM(ttft_b5), SUM(ttft_b6), SUM(ttft_b7), SUM(ttft_b8), " \
	"SUM(ttft_b9), SUM(ttft_b10), SUM(ttft_b11), SUM(ttft_b12), " \
	"SUM(ttft_b13), SUM(ttft_b14)"
/* The same figures summed over raw aggregator_usage_logs rows. */
#define ROLLUP_RAW_SUMS \
	"COUNT(*), SUM(status='error'), SUM(status='cancelled'), " \
	"SUM(status='error' AND error_category='auth'), " \
	"SUM(status='error' AND error_category='rate_limit'), " \
	"SUM(status='error' AND error_category='budget'), " \
	"SUM(status='error' AND error_category='model'), " \
	"SUM(status='error' AND error_category='validation'), " \
	"SUM(status='error' AND error_category='network'), " \
	"SUM(status='error' AND error_category='timeout'), " \
	"SUM(status='error' AND error_category='upstream'), " \
	"SUM(status='error' AND error_category='internal'), " \
	"SUM(status='error' AND IFNULL(error_category,'') NOT IN ('auth','rate_limit','budget','model','validation','network','timeout','upstream','internal')), " \
	"SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), " \
	"SUM(cost_micros), SUM(latency_ms), SUM(IFNULL(ttft_ms,0)), " \
	"SUM(ttft_ms IS NOT NULL), SUM(IFNULL(latency_ms<=25,0)), " \
	"SUM(IFNULL(latency_ms>25 AND latency_ms<=50,0)), " \
	"SUM(IFNULL(latency_ms>50 AND latency_ms<=100,0)), " \
	"SUM(IFNULL(latency_ms>100 AND latency_ms<=250,0)), " \
	"SUM(IFNULL(latency_ms>250 AND latency_ms<=500,0)), " \
	"SUM(IFNULL(latency_ms>500 AND latency_ms<=1000,0)), " \
	"SUM(IFNULL(latency_ms>1000 AND latency_ms<=2000,0)), " \
	"SUM(IFNULL(latency_ms>2000 AND latency_ms<=3000,0)), " \
	"SUM(IFNULL(latency_ms>3000 AND latency_ms<=5000,0)), " \
	"SUM(IFNULL(latency_ms>5000 AND latency_ms<=10000,0)), " \
	"SUM(IFNULL(latency_ms>10000 AND latency_ms<=20000,0)), " \
	"SUM(IFNULL(latency_ms>20000 AND latency_ms<=30000,0)), " \
	"SUM(IFNULL(latency_ms>30000 AND latency_ms<=60000,0)), " \
	"SUM(IFNULL(latency_ms>60000 AND latency_ms<=120000,0)), " \
	"SUM(IFNULL(latency_ms>120000,0)), SUM(IFNULL(ttft_ms<=25,0)), " \
	"SUM(IFNULL(ttft_ms>25 AND ttft_ms<=50,0)), " \
	"SUM(IFNULL(ttft_ms>50 AND ttft_ms<=100,0)), " \
	"SUM(IFNULL(ttft_ms>100 AND ttft_ms<=250,0)), " \
	"SUM(IFNULL(ttft_ms>250 AND ttft_ms<=500,0)), " \
	"SUM(IFNULL(ttft_ms>500 AND ttft_ms<=1000,0)), " \
	"SUM(IFNULL(ttft_ms>1000 AND ttft_ms<=2000,0)), " \
	"SUM(IFNULL(ttft_ms>2000 AND ttft_ms<=3000,0)), " \
	"SUM(IFNULL(ttft_ms>3000 AND ttft_ms<=5000,0)), " \
	"SUM(IFNULL(ttft_ms>5000 AND ttft_ms<=10000,0)), " \
	"SUM(IFNULL(ttft_ms>10000 AND ttft_ms<=20000,0)), " \
	"SUM(IFNULL(ttft_ms>20000 AND ttft_ms<=30000,0)), " \
	"SUM(IFNULL(ttft_ms>30000 AND ttft_ms<=60000,0)), " \
	"SUM(IFNULL(ttft_ms>60000 AND ttft_ms<=120000,0)), " \
	"SUM(IFNULL(ttft_ms>120000,0))"
/* Replace-on-duplicate for re-rolled groups. */
#define ROLLUP_REPLACE \
	"requests = VALUES(requests), errors = VALUES(errors), " \
	"cancelled = VALUES(cancelled), err_auth = VALUES(err_auth), " \
	"err_rate_limit = VALUES(err_rate_limit), " \
	"err_budget = VALUES(err_budget), err_model = VALUES(err_model), " \
	"err_validation = VALUES(err_validation), " \
	"err_network = VALUES(err_network), " \
	"err_timeout = VALUES(err_timeout), " \
	"err_upstream = VALUES(err_upstream), " \
	"err_internal = VALUES(err_internal), " \
	"err_other = VALUES(err_other), " \
	"prompt_tokens = VALUES(prompt_tokens), " \
	"completion_tokens = VALUES(completion_tokens), " \
	"total_tokens = VALUES(total_tokens), " \
	"cost_micros = VALUES(cost_micros), " \
	"latency_sum_ms = VALUES(latency_sum_ms), " \
	"ttft_sum_ms = VALUES(ttft_sum_ms), " \
	"ttft_count = VALUES(ttft_count), lat_b0 = VALUES(lat_b0), " \
	"lat_b1 = VALUES(lat_b1), lat_b2 = VALUES(lat_b2), " \
	"lat_b3 = VALUES(lat_b3), lat_b4 = VALUES(lat_b4), " \
	"lat_b5 = VALUES(lat_b5), lat_b6 = VALUES(lat_b6), " \
	"lat_b7 = VALUES(lat_b7), lat_b8 = VALUES(lat_b8), " \
	"lat_b9 = VALUES(lat_b9), lat_b10 = VALUES(lat_b10), " \
	"lat_b11 = VALUES(lat_b11), lat_b12 = VALUES(lat_b12), " \
	"lat_b13 = VALUES(lat_b13), lat_b14 = VALUES(lat_b14), " \
	"ttft_b0 = VALUES(ttft_b0), ttft_b1 = VALUES(ttft_b1), " \
	"ttft_b2 = VALUES(ttft_b2), ttft_b3 = VALUES(ttft_b3), " \
	"ttft_b4 = VALUES(ttft_b4), ttft_b5 = VALUES(ttft_b5), " \
	"ttft_b6 = VALUES(ttft_b6), ttft_b7 = VALUES(ttft_b7), " \
	"ttft_b8 = VALUES(ttft_b8), ttft_b9 = VALUES(ttft_b9), " \
	"ttft_b10 = VALUES(ttft_b10), ttft_b11 = VALUES(ttft_b11), " \
	"ttft_b12 = VALUES(ttft_b12), ttft_b13 = VALUES(ttft_b13), " \
	"ttft_b14 = VALUES(ttft_b14)"
/* Histogram sums of any raw expression c (ms; NULL counts nowhere). */
#define ROLLUP_HIST_RAW_SUM(c) \
	"SUM(" "IFNULL(" c "<=25,0)" ")" "," \
	"SUM(" "IFNULL(" c ">25 AND " c "<=50,0)" ")" "," \
	"SUM(" "IFNULL(" c ">50 AND " c "<=100,0)" ")" "," \
	"SUM(" "IFNULL(" c ">100 AND " c "<=250,0)" ")" "," \
	"SUM(" "IFNULL(" c ">250 AND " c "<=500,0)" ")" "," \
	"SUM(" "IFNULL(" c ">500 AND " c "<=1000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">1000 AND " c "<=2000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">2000 AND " c "<=3000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">3000 AND " c "<=5000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">5000 AND " c "<=10000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">10000 AND " c "<=20000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">20000 AND " c "<=30000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">30000 AND " c "<=60000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">60000 AND " c "<=120000,0)" ")" "," \
	"SUM(" "IFNULL(" c ">120000,0)" ")"
/* The hour of a raw row, as a DATETIME. */
#define ROLLUP_HOUR_EXPR \
	"CAST(DATE_FORMAT(created_at,'%Y-%m-%d %H:00:00') AS DATETIME)"
/* The model a raw row is reported under: the resolved model, or one
 * "(unresolved)" group for requests that never resolved (their free-form
 * names stay in the log, but must not make reports and metrics unbounded). */
#define ROLLUP_MODEL_EXPR \
	"IFNULL(resolved_model, '(unresolved)')"

struct rollup_state {
	int64_t	 rolled_until;	/* epoch s, hour aligned */
	int64_t	 pruned_before;
};

struct rollup_result {
	int64_t	 chunks;	/* transactions committed */
	int64_t	 rows;		/* roll-up rows written (affected) */
	int64_t	 rolled_until;	/* watermark afterwards */
};

/* Settings from [usage] in the INI: rollup_lag_minutes, retention_days. */
int	rollup_lag_s(const struct config *cfg);
int	rollup_retention_days(const struct config *cfg);

/* Read the watermark; 0 on success (DB_* status otherwise). */
int	rollup_state_get(struct rollup_state *st);
/* Roll forward from the watermark to the last hour that ended lag_s before
 * now, at most max_chunks day-chunks (0 = no limit). */
int	rollup_forward(int64_t now, int lag_s, int max_chunks,
	    struct rollup_result *res);
/* Re-roll [from, watermark) from raw rows (from is raised to pruned_before
 * and floored to the hour): for rows imported into the past. */
int	rollup_rebuild(int64_t from, struct rollup_result *res);
/* Delete raw rows older than min(now - days, watermark), in batches; sets
 * pruned_before first. *deleted gets the count; *cutoff the bound used. */
int	rollup_prune(int64_t now, int days, int64_t *deleted, int64_t *cutoff);

/* `switchboard rollup [--lag-minutes N] [--rebuild | --rebuild-from DATE]` */
int	rollup_cli(const struct config *cfg, int argc, char **argv);
/* `switchboard prune [--days N]` */
int	rollup_prune_cli(const struct config *cfg, int argc, char **argv);

#endif
