/* prom: Prometheus text exposition format 0.0.4 writer into a capped buffer.
 * Owns HELP/TYPE lines, name and label validation, label-value escaping, and
 * histograms with cumulative buckets, _sum and _count. Values are printed from
 * integers (counts) or scaled integers (micro-USD, ms → seconds), never floats. */
#ifndef SB_PROM_H
#define SB_PROM_H

#include <stdint.h>

#include "buf.h"

#define PROM_MAX_LABELS	8

enum prom_status { PROM_OK = 0, PROM_BAD_NAME, PROM_FULL };

struct prom_label {
	const char	*name;
	const char	*value;		/* NULL is written as "" */
};

struct prom {
	struct buf	*out;
	int		 err;		/* first error; sticky */
};

void	prom_init(struct prom *p, struct buf *out);
/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram). */
int	prom_family(struct prom *p, const char *name, const char *type,
	    const char *help);
/* One sample line: name{labels} value, value = v / 10^scale printed exactly. */
int	prom_sample(struct prom *p, const char *name,
	    const struct prom_label *labels, int nlabels, int64_t v, int scale);
/* A histogram's sample lines: name_bucket{labels,le="…"} cumulative, le="+Inf",
 * name_sum, name_count. counts[] are per bucket (nb of them, the last is
 * +Inf), bounds[] the nb-1 upper bounds and sum the total, both in units of
 * 10^-scale (ms with scale 3 prints seconds). */
int	prom_histogram(struct prom *p, const char *name,
	    const struct prom_label *labels, int nlabels, const int64_t *bounds,
	    const int64_t *counts, int nb, int64_t sum, int scale);
/* Sticky status of the writer. */
int	prom_status(const struct prom *p);

/* Validation helpers (exported for tests). */
int	prom_valid_metric_name(const char *s);
int	prom_valid_label_name(const char *s);
/* Append a label value with \\ \" \n escaped. */
int	prom_escape_label(struct buf *b, const char *s);

#endif
