/*
 * spool.h: the directory where axlog-send keeps the events it could not
 * send, for the next run to send first.  Each file is NDJSON, one event a
 * line with its id and created_at, so a resend is idempotent.  A file is
 * complete or absent: written under a temporary name, flushed to disk
 * (fsync), renamed, and the directory flushed too.
 */
#ifndef AXLOG_SEND_SPOOL_H
#define AXLOG_SEND_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_SUFFIX	".ndjson"
#define SPOOL_NAME_LEN	64	/* a spool file's name, with its NUL */

struct spool;

enum spool_res {
	SPOOL_OK,
	SPOOL_ERR_IO,	/* a system call failed; errno says which */
	SPOOL_ERR_NOMEM,	/* out of memory */
	SPOOL_ERR_UNSAFE,	/* not a directory of ours that only we write */
};

/*
 * Open dir, creating it (mode 0700) when missing, and try to lock it
 * (flock on dir/.lock) so only one run resends its files.  A directory
 * that another user owns, or that group or others may write, is refused
 * (SPOOL_ERR_UNSAFE): whoever can write it can plant events that this
 * run would send with its key, or remove the ones it kept.  *sp is NULL
 * on failure; free it with spool_free.
 */
enum spool_res	 spool_open(const char *dir, struct spool **sp);

/* Does this run hold the lock, and so resend the files? */
int		 spool_owner(const struct spool *sp);

/*
 * The paths of the spooled files, oldest first: a malloc'd array of n
 * malloc'd strings, freed with spool_list_free.
 */
enum spool_res	 spool_list(const struct spool *sp, char ***paths,
		    size_t *n);
void		 spool_list_free(char **paths, size_t n);

/*
 * Keep body[0..len) (NDJSON) as a new file.  name, when not NULL, gets
 * the path of the file (at most outsz bytes).
 */
enum spool_res	 spool_write(struct spool *sp, const char *body, size_t len,
		    char *name, size_t outsz);

/* Remove a file that was sent (a file already gone is fine). */
enum spool_res	 spool_remove(const struct spool *sp, const char *path);

/*
 * The name of a spool file made at now_us by process pid, its seq-th:
 * names sort in the order they were made.
 */
void		 spool_name(int64_t now_us, long pid, unsigned seq,
		    char out[SPOOL_NAME_LEN]);

/* Releases the lock; accepts NULL. */
void		 spool_free(struct spool *sp);

#endif
