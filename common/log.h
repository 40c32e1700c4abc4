/* Logging for zws and zws-ingest: one line per event, on stderr or in a
 * file (--log-file, reopened on SIGHUP for logrotate), as text
 * "2026-11-23T11:30:45.123Z LEVEL message" or as one JSON object per line
 * ({"time":…,"level":…,"message":…} plus "session" and "block" when the
 * message names them) for log pipelines. The level is checked before any
 * formatting happens. */
#ifndef ZWS_LOG_H
#define ZWS_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

extern enum log_level log_current_level;

/* Parses "error", "warn", "info" or "debug". */
bool log_parse_level(const char *name, enum log_level *out)
	__attribute__((warn_unused_result));
/* Parses "text" or "json". */
bool log_parse_format(const char *name, enum log_format *out)
	__attribute__((warn_unused_result));
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
/* Sends stderr, and so every log line, to path (appending, created 0644
 * if missing), remembered for log_reopen. false with err filled. */
bool log_open_file(const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Opens the --log-file path again (after logrotate renamed it); a no-op
 * without one. false with err filled; the old file is kept then. */
bool log_reopen(char *err, size_t errlen) __attribute__((warn_unused_result));
void log_write(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...) \
	do { \
		if ((lvl) <= log_current_level) \
			log_write((lvl), __VA_ARGS__); \
	} while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Prints "fatal: ..." and exits 1. Only before the event loop runs. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
