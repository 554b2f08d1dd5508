/* csv: a streaming RFC 4180 CSV writer (CRLF rows, fields quoted when they hold
 * a comma, quote, CR or LF, quotes doubled). Text cells that a spreadsheet would
 * run as a formula (leading = + - @ TAB CR) get a leading apostrophe first.
 * Rows collect in a small capped buffer and go to a sink callback, so a
 * year of logs streams out without being held in memory. */
#ifndef SB_CSV_H
#define SB_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The sink gets whole rows (possibly several); returns 0 on success. */
typedef int	(*csv_sink_fn)(void *ctx, const char *p, size_t n);

#define CSV_MAX_CELL	65536	/* longest cell accepted, bytes */
#define CSV_FLUSH_AT	16384	/* pending bytes that trigger a flush */

enum csv_status { CSV_OK = 0, CSV_TOO_LONG, CSV_NOMEM, CSV_SINK };

struct csv {
	csv_sink_fn	 sink;
	void		*ctx;
	struct buf	 out;	/* pending bytes, capped */
	int		 ncell;	/* cells in the current row */
	int		 err;	/* first error; sticky */
};

void	csv_init(struct csv *c, csv_sink_fn sink, void *ctx);
/* Text cell: formula-guarded and quoted as needed. NULL s writes an empty cell. */
int	csv_cell(struct csv *c, const char *s, size_t n);
int	csv_cell_str(struct csv *c, const char *s);
/* Numeric cells: written bare, never formula-guarded (a minus sign stays). */
int	csv_cell_int(struct csv *c, int64_t v);
/* Fixed-point cell: v / 10^scale printed exactly, e.g. micro-USD with scale 6. */
int	csv_cell_fixed(struct csv *c, int64_t v, int scale);
/* End the row (CRLF); flushes to the sink when enough is pending. */
int	csv_row_end(struct csv *c);
/* Send everything pending to the sink. Returns the sticky status. */
int	csv_flush(struct csv *c);
/* Free the buffer (does not flush). */
void	csv_free(struct csv *c);

/* Escape one text cell into b (the same rules as csv_cell). */
int	csv_escape(struct buf *b, const char *s, size_t n);

#endif
