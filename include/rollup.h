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

#define ROLLUP_LAG_DEFAULT_MIN	15	/* an hour is rolled this long after it ends */
#define ROLLUP_CHUNK_S		86400	/* one transaction covers at most a day */
#define ROLLUP_RETENTION_DEFAULT_D	90
#define ROLLUP_RETENTION_MIN_D	2	/* health needs 24 h of raw rows */
#define ROLLUP_PRUNE_BATCH	5000	/* rows per DELETE */
#define ROLLUP_READ_CHUNKS	1	/* chunks rolled on a read, at most */

/* Per-bucket histogram sums over SQL column prefix p (lat_b / ttft_b). */
#define ROLLUP_SUM15(p) \
	"SUM(" p "0),SUM(" p "1),SUM(" p "2),SUM(" p "3),SUM(" p "4)," \
	"SUM(" p "5),SUM(" p "6),SUM(" p "7),SUM(" p "8),SUM(" p "9)," \
	"SUM(" p "10),SUM(" p "11),SUM(" p "12),SUM(" p "13),SUM(" p "14)"
/* Per-row 0/1 bucket indicators for raw column c (bounds as report.h). */
#define ROLLUP_HIST_RAW(c) \
	"IFNULL(" c "<=25,0)" "," \
	"IFNULL(" c ">25 AND " c "<=50,0)" "," \
	"IFNULL(" c ">50 AND " c "<=100,0)" "," \
	"IFNULL(" c ">100 AND " c "<=250,0)" "," \
	"IFNULL(" c ">250 AND " c "<=500,0)" "," \
	"IFNULL(" c ">500 AND " c "<=1000,0)" "," \
	"IFNULL(" c ">1000 AND " c "<=2000,0)" "," \
	"IFNULL(" c ">2000 AND " c "<=3000,0)" "," \
	"IFNULL(" c ">3000 AND " c "<=5000,0)" "," \
	"IFNULL(" c ">5000 AND " c "<=10000,0)" "," \
	"IFNULL(" c ">10000 AND " c "<=20000,0)" "," \
	"IFNULL(" c ">20000 AND " c "<=30000,0)" "," \
	"IFNULL(" c ">30000 AND " c "<=60000,0)" "," \
	"IFNULL(" c ">60000 AND " c "<=120000,0)" "," \
	"IFNULL(" c ">120000,0)"
/* Their sums, for GROUP BY over raw rows. */
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
/* The model a raw row is reported under. */
#define ROLLUP_MODEL_EXPR \
	"LEFT(COALESCE(resolved_model,requested_model,''),320)"

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

#endif
