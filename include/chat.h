/* chat: one proxied chat or embeddings request, from authentication to its
 * usage row (chat.c). chat.fcgi's handlers call chat_run with their mode. */
#ifndef SB_CHAT_H
#define SB_CHAT_H

#include "config.h"
#include "http.h"

enum chat_mode {
	CHAT_OPENAI,		/* /v1/chat/completions: OpenAI JSON or SSE */
	CHAT_LLM_JSON,		/* /api/llm/chat: one JSON answer */
	CHAT_LLM_NDJSON,	/* /api/llm/stream: NDJSON lines */
	CHAT_EMBED,		/* /v1/embeddings */
	CHAT_MESSAGES,		/* /v1/messages: Anthropic JSON or SSE */
	CHAT_RESPONSES,		/* /v1/responses: OpenAI Responses JSON or SSE */
	CHAT_MODE__MAX
};

/* Serve the request; 0 when the response was sent, -1 with r->err set. */
int	chat_run(struct req *r, enum chat_mode mode);
/* POST /v1/messages/count_tokens (counttokens.c); 0 or -1 with r->err set. */
int	chat_count_tokens(struct req *r);
/* Once per process: [chat] settings, the upstream handle. -1 on bad config. */
int	chat_init(const struct config *c);
void	chat_fini(void);

#endif
