/* log: one line per event on stderr: time, level, request id, program,
 * function, message. Unprintable bytes are escaped; callers pass only hints
 * of secrets, never secrets. */
#ifndef SB_LOG_H
#define SB_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_LEVEL__MAX };

void	log_init(const char *program, enum log_level max);
/* Request id shown on every line until the next call (NULL clears). */
void	log_set_request(const char *request_id);
void	log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_err(...)	log_msg(LOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __func__, __VA_ARGS__)

#endif
