/* buf: a growable byte buffer with a hard maximum size.
 * Exceeding the maximum is an error (BUF_FULL), never a silent realloc past it.
 * The contents are always NUL-terminated so text can be used as a C string. */
#ifndef SB_BUF_H
#define SB_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

enum buf_status { BUF_OK = 0, BUF_FULL, BUF_NOMEM };

/* Start empty with the given maximum; allocates nothing yet. */
void	buf_init(struct buf *b, size_t max);
/* Append n bytes; BUF_FULL when len + n would exceed max (b unchanged). */
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_puts(struct buf *b, const char *s);
/* printf-style append; BUF_FULL if the result would not fit. */
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (consumed input), keeping the rest. */
void	buf_consume(struct buf *b, size_t n);
void	buf_reset(struct buf *b);
/* Free the memory; b can be reused after buf_init. */
void	buf_free(struct buf *b);
/* Hand the data to the caller (malloc'd, NUL-terminated); b becomes empty. */
char	*buf_steal(struct buf *b);

#endif
