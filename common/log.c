/* Line-oriented logging with UTC millisecond timestamps (see log.h). Each
 * line is written with one write() so lines from several processes
 * interleave whole. A message is flattened to one line: trailing newlines
 * (libpq's messages end in one) are dropped and every inner line break,
 * with the indentation after it, becomes one space, so a multi-line libpq
 * error stays one event. --log-file points stderr itself at the file, so
 * whatever else reaches stderr (a sanitizer report) lands there too. */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

enum log_level log_current_level = LOG_LEVEL_INFO;
static enum log_format log_current_format = LOG_FORMAT_TEXT;
static const char *log_file_path;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

bool log_parse_level(const char *name, enum log_level *out)
{
	static const char *const lower[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, lower[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

bool log_parse_format(const char *name, enum log_format *out)
{
	if (strcmp(name, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return false;
	return true;
}

void log_set_level(enum log_level level)
{
	log_current_level = level;
}

void log_set_format(enum log_format format)
{
	log_current_format = format;
}

static bool open_onto_stderr(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open log file %s: %s", path, strerror(errno));
		return false;
	}
	if (fd != STDERR_FILENO) {
		int rc = dup2(fd, STDERR_FILENO);
		close(fd);
		if (rc < 0) {
			snprintf(err, errlen, "cannot log to %s: %s", path, strerror(errno));
			return false;
		}
	}
	return true;
}

bool log_open_file(const char *path, char *err, size_t errlen)
{
	if (!open_onto_stderr(path, err, errlen))
		return false;
	log_file_path = path;
	return true;
}

bool log_reopen(char *err, size_t errlen)
{
	return !log_file_path || open_onto_stderr(log_file_path, err, errlen);
}

/* The message flattened onto one line, in place; returns its length. */
static size_t flatten(char *msg, size_t n)
{
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (msg[i] != '\n' && msg[i] != '\r') {
			msg[out++] = msg[i];
			continue;
		}
		while (i + 1 < n && (msg[i + 1] == '\n' || msg[i + 1] == '\r' || msg[i + 1] == '\t' ||
				     msg[i + 1] == ' '))
			i++;
		if (out > 0 && msg[out - 1] != ' ')
			msg[out++] = ' ';
	}
	return out;
}

static size_t timestamp(char *out, size_t outlen)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, outlen - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
	return n;
}

/* Appends s (len bytes) to out as a JSON string body. */
static size_t json_escape(char *out, size_t room, const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 7 < room; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, room - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

/* The number after prefix at the start of msg ("S12 ...") or anywhere in
 * it ("blk=692365"); -1 if there is none. */
static long long field(const char *msg, const char *prefix, bool at_start)
{
	const char *p = at_start ? (strncmp(msg, prefix, strlen(prefix)) == 0 ? msg : NULL)
				 : strstr(msg, prefix);
	if (!p || !isdigit((unsigned char)p[strlen(prefix)]))
		return -1;
	return strtoll(p + strlen(prefix), NULL, 10);
}

static size_t json_line(char *line, size_t room, const char *level, const char *msg, size_t len)
{
	char ts[40];
	timestamp(ts, sizeof(ts));
	size_t n = (size_t)snprintf(line, room, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"", ts, level);
	n += json_escape(line + n, room - n - 64, msg, len);
	n += (size_t)snprintf(line + n, room - n, "\"");
	long long session = field(msg, "S", true), block = field(msg, "blk=", false);
	if (session >= 0)
		n += (size_t)snprintf(line + n, room - n, ",\"session\":%lld", session);
	if (block >= 0)
		n += (size_t)snprintf(line + n, room - n, ",\"block\":%lld", block);
	n += (size_t)snprintf(line + n, room - n, "}");
	return n;
}

static void vlog_line(const char *level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX * 2 + 256];
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = m < 0 ? 0 : (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
	len = flatten(msg, len);
	msg[len] = '\0';
	size_t n;
	if (log_current_format == LOG_FORMAT_JSON) {
		n = json_line(line, sizeof(line) - 1, level, msg, len);
	} else {
		n = timestamp(line, sizeof(line));
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %s", level, msg);
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_line(level_names[level], fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_line("FATAL", fmt, ap);
	va_end(ap);
	exit(1);
}
