/* Unit tests for http: request ids (32 hex digits, never repeated, across
 * refills of the per-process random pool and in a forked child). */
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "http.h"

#define IDS	200	/* several refills of the pool */

static char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/v1/models", NULL };

static int
new_id(char out[SB_REQUEST_ID_LEN + 1])
{
	struct req	 r;
	int		 rc = http_req_init(&r, env, NULL, NULL, "");

	memcpy(out, r.request_id, SB_REQUEST_ID_LEN + 1);
	http_req_free(&r);
	return rc;
}

static int
is_hex_id(const char *s)
{
	return strlen(s) == SB_REQUEST_ID_LEN &&
	    strspn(s, "0123456789abcdef") == SB_REQUEST_ID_LEN;
}

static void
test_ids_unique(void)
{
	static char	 ids[IDS][SB_REQUEST_ID_LEN + 1];
	int		 i, j, dup = 0, bad = 0;

	for (i = 0; i < IDS; i++) {
		CHECK(new_id(ids[i]) == 0);
		bad += !is_hex_id(ids[i]);
		for (j = 0; j < i; j++)
			dup += strcmp(ids[i], ids[j]) == 0;
	}
	CHECK(bad == 0);
	CHECK(dup == 0);
}

/* A forked child must not hand out the ids its parent will. */
static void
test_ids_after_fork(void)
{
	char	 mine[SB_REQUEST_ID_LEN + 1], theirs[SB_REQUEST_ID_LEN + 1];
	int	 fd[2], status = 0;
	pid_t	 pid;

	CHECK(new_id(mine) == 0);	/* the pool is warm */
	CHECK(pipe(fd) == 0);
	if ((pid = fork()) == 0) {
		char	 id[SB_REQUEST_ID_LEN + 1];

		_exit(new_id(id) != 0 || write(fd[1], id, sizeof(id)) != (ssize_t)sizeof(id));
	}
	CHECK(pid > 0);
	CHECK(read(fd[0], theirs, sizeof(theirs)) == (ssize_t)sizeof(theirs));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(new_id(mine) == 0);
	CHECK(is_hex_id(theirs));
	CHECK(strcmp(mine, theirs) != 0);
	close(fd[0]);
	close(fd[1]);
}

int
main(void)
{
	test_ids_unique();
	test_ids_after_fork();
	return unit_done("test_http");
}
