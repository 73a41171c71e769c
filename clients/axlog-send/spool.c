/*
 * spool.c: spool files, made atomically (tmp + fsync + rename + fsync of
 * the directory), listed in name order, removed once sent.  Concurrent
 * runs may all add files; only the holder of the lock lists and removes
 * them.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "timefmt.h"

#define SPOOL_PREFIX	"axlog-send-"
#define SPOOL_TMP	".tmp-XXXXXX"
#define SPOOL_LOCK	".lock"

struct spool {
	char		*dir;
	int		 dirfd;
	int		 lockfd;
	int		 owner;
	unsigned	 seq;
};

void
spool_name(int64_t now_us, long pid, unsigned seq, char out[SPOOL_NAME_LEN])
{
	snprintf(out, SPOOL_NAME_LEN, SPOOL_PREFIX "%020" PRId64 "-%ld-%u"
	    SPOOL_SUFFIX, now_us, pid, seq);
}

/* The directory, made when missing; its fd, or -1. */
static int
open_dir(const char *dir)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Ours and written by us alone (checked on the open fd: no race). */
static int
dir_is_private(int fd)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1)
		return 0;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Take the lock if nobody has it: 0 (owner or not) or -1. */
static int
lock(struct spool *sp)
{
	sp->lockfd = openat(sp->dirfd, SPOOL_LOCK,
	    O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd == -1)
		return -1;
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) == 0) {
		sp->owner = 1;
		return 0;
	}
	return errno == EWOULDBLOCK ? 0 : -1;
}

enum spool_res
spool_open(const char *dir, struct spool **out)
{
	struct spool	*sp;

	*out = NULL;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return SPOOL_ERR_NOMEM;
	sp->dirfd = sp->lockfd = -1;
	if ((sp->dir = strdup(dir)) == NULL) {
		spool_free(sp);
		return SPOOL_ERR_NOMEM;
	}
	if ((sp->dirfd = open_dir(dir)) == -1) {
		spool_free(sp);
		return SPOOL_ERR_IO;
	}
	if (!dir_is_private(sp->dirfd)) {
		spool_free(sp);
		return SPOOL_ERR_UNSAFE;
	}
	if (lock(sp) == -1) {
		spool_free(sp);
		return SPOOL_ERR_IO;
	}
	*out = sp;
	return SPOOL_OK;
}

int
spool_owner(const struct spool *sp)
{
	return sp->owner;
}

static int
is_spool_file(const char *name)
{
	size_t	n = strlen(name), s = sizeof(SPOOL_SUFFIX) - 1;

	return strncmp(name, SPOOL_PREFIX, sizeof(SPOOL_PREFIX) - 1) == 0 &&
	    n > s && strcmp(name + n - s, SPOOL_SUFFIX) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append dir/name to the list; -1 when out of memory. */
static int
list_add(const struct spool *sp, const char *name, char ***v, size_t *n,
    size_t *cap)
{
	char	**nv;
	size_t	  len;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((nv = reallocarray(*v, *cap, sizeof(**v))) == NULL)
			return -1;
		*v = nv;
	}
	len = strlen(sp->dir) + strlen(name) + 2;
	if (((*v)[*n] = malloc(len)) == NULL)
		return -1;
	snprintf((*v)[*n], len, "%s/%s", sp->dir, name);
	(*n)++;
	return 0;
}

enum spool_res
spool_list(const struct spool *sp, char ***paths, size_t *n)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 cap = 0;
	enum spool_res	 r = SPOOL_OK;

	*paths = NULL;
	*n = 0;
	if ((d = opendir(sp->dir)) == NULL)
		return SPOOL_ERR_IO;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (is_spool_file(e->d_name) &&
		    list_add(sp, e->d_name, paths, n, &cap) != 0) {
			r = SPOOL_ERR_NOMEM;
			goto out;
		}
		errno = 0;
	}
	if (errno != 0)
		r = SPOOL_ERR_IO;
	else if (*n > 1)
		qsort(*paths, *n, sizeof(**paths), by_name);
out:
	(void)closedir(d);	/* read only */
	if (r != SPOOL_OK) {
		spool_list_free(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return r;
}

void
spool_list_free(char **paths, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Write all of buf to fd, through short writes and interruptions. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The temporary file, filled and on disk, under tmp; -1 on failure. */
static int
write_tmp(char *tmp, const char *body, size_t len)
{
	int	fd, rc = -1, saved;

	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	if (write_all(fd, body, len) == 0 && fsync(fd) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0) {
		saved = errno;	/* the error that matters */
		(void)unlink(tmp);
		errno = saved;
	}
	return rc;
}

enum spool_res
spool_write(struct spool *sp, const char *body, size_t len, char *out,
    size_t outsz)
{
	char	name[SPOOL_NAME_LEN], *tmp = NULL, *path = NULL;
	size_t	n = strlen(sp->dir) + SPOOL_NAME_LEN + 2;
	int	saved;
	enum spool_res r = SPOOL_ERR_NOMEM;

	if ((tmp = malloc(n)) == NULL || (path = malloc(n)) == NULL)
		goto out;
	snprintf(tmp, n, "%s/" SPOOL_TMP, sp->dir);
	spool_name(timefmt_now_us(), (long)getpid(), sp->seq++, name);
	snprintf(path, n, "%s/%s", sp->dir, name);
	r = SPOOL_ERR_IO;
	if (write_tmp(tmp, body, len) != 0)
		goto out;
	if (rename(tmp, path) != 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		goto out;
	}
	if (fsync(sp->dirfd) != 0)
		goto out;
	if (out != NULL)
		snprintf(out, outsz, "%s", path);
	r = SPOOL_OK;
out:
	free(tmp);
	free(path);
	return r;
}

enum spool_res
spool_remove(const struct spool *sp, const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return SPOOL_ERR_IO;
	return fsync(sp->dirfd) == 0 ? SPOOL_OK : SPOOL_ERR_IO;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->lockfd != -1)
		(void)close(sp->lockfd);	/* releases the flock */
	if (sp->dirfd != -1)
		(void)close(sp->dirfd);
	free(sp->dir);
	free(sp);
}
