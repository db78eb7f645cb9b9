// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * The state directory: checks, the lock, atomic files (state.h). Paths are
 * resolved once, in state_open(); everything after goes through the
 * directory descriptor with O_NOFOLLOW.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "serial.h"
#include "state.h"

struct state {
	char *path;
	int dirfd;
	int lockfd;
};

/* mkdir -p of the parents of @path, 0755; errors surface in the final mkdir. */
static void make_parents(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

static int check_dir(const struct stat *st, const char **why)
{
	uid_t euid = geteuid();

	if (S_ISLNK(st->st_mode)) {
		*why = "is a symbolic link";
		return -ELOOP;
	}
	if (!S_ISDIR(st->st_mode)) {
		*why = "is not a directory";
		return -ENOTDIR;
	}
	if (st->st_uid != euid) {
		*why = euid ? "is not owned by the user running pinhole" :
			      "is not owned by root";
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "is writable by group or others";
		return -EPERM;
	}
	return 0;
}

int state_open(const char *path, struct state **out, const char **why)
{
	struct state *st;
	struct stat sb;
	bool created = false;
	int fd, ret;

	*out = NULL;
	*why = NULL;
	if (!path || !*path)
		return -EINVAL;
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT)
			return -errno;
		make_parents(path);
		if (mkdir(path, 0700) == 0)
			created = true;
		else if (errno != EEXIST)
			return -errno;
		if (lstat(path, &sb) < 0)
			return -errno;
	}
	ret = check_dir(&sb, why);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? (*why = "is a symbolic link", -ELOOP) : -errno;
	/* what was opened is what counts (the path may have changed since) */
	if (fstat(fd, &sb) < 0) {
		ret = -errno;
		goto err;
	}
	ret = check_dir(&sb, why);
	if (!ret && created && (sb.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		ret = -errno;
	if (ret)
		goto err;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		ret = -ENOMEM;
		goto err;
	}
	st->dirfd = fd;
	st->lockfd = -1;
	*out = st;
	return 0;
err:
	close(fd);
	return ret;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	if (st->lockfd >= 0)
		close(st->lockfd);	/* releases the flock */
	close(st->dirfd);
	free(st->path);
	free(st);
}

const char *state_path(const struct state *st)
{
	return st->path;
}

int state_lock(struct state *st, unsigned int timeout_ms)
{
	const struct timespec step = { 0, 20 * 1000 * 1000 };
	unsigned int waited = 0;
	struct stat sb;
	int fd;

	if (st->lockfd >= 0)
		return 0;
	fd = openat(st->dirfd, STATE_LOCK,
		    O_RDWR | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0600);
	/* a read-only file system: flock works on a read-only descriptor too */
	if (fd < 0 && (errno == EROFS || errno == EACCES))
		fd = openat(st->dirfd, STATE_LOCK,
			    O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -EBADF;
	}
	/* bounded: a wedged holder must not hang boot or a remote session */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		if (err != EWOULDBLOCK && err != EINTR) {
			close(fd);
			return -err;
		}
		if (waited >= timeout_ms) {
			close(fd);
			return -EWOULDBLOCK;
		}
		nanosleep(&step, NULL);
		waited += 20;
	}
	st->lockfd = fd;
	return 0;
}

int state_read(struct state *st, const char *name, uint8_t **buf, size_t *len)
{
	struct stat sb;
	uint8_t *p = NULL;
	size_t cap, n = 0;
	int fd, ret = 0;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO planted here must not wait for a writer */
	fd = openat(st->dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		ret = -EBADF;
		goto out;
	}
	if ((uint64_t)sb.st_size > SERIAL_MAX_LEN) {
		ret = -EFBIG;
		goto out;
	}
	/* one byte more than the size, to see a file that grew meanwhile */
	cap = (size_t)sb.st_size + 1;
	p = malloc(cap);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, p + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			ret = -EBADMSG;	/* changed under us */
			goto out;
		}
	}
	*buf = p;
	*len = n;
	p = NULL;
out:
	free(p);
	close(fd);
	return ret;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int state_write(struct state *st, const char *name, const void *buf, size_t len)
{
	char tmp[256];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (unlinkat(st->dirfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(st->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = fchmod(fd, 0600) < 0 ? -errno : 0;	/* whatever the umask */
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && renameat(st->dirfd, tmp, st->dirfd, name) < 0)
		ret = -errno;
	if (ret) {
		unlinkat(st->dirfd, tmp, 0);
		return ret;
	}
	return state_sync(st);
}

int state_remove(struct state *st, const char *name)
{
	if (unlinkat(st->dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_rename(struct state *st, const char *from, const char *to)
{
	return renameat(st->dirfd, from, st->dirfd, to) < 0 ? -errno : 0;
}

int state_sync(struct state *st)
{
	return fsync(st->dirfd) < 0 ? -errno : 0;
}

int state_mtime(struct state *st, const char *name, time_t *t)
{
	struct stat sb;

	if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*t = sb.st_mtime;
	return 0;
}

int state_stat(struct state *st, const char *name, struct stat *sb)
{
	return fstatat(st->dirfd, name, sb, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int state_save_ruleset(struct state *st, const char *name,
		       const struct pinhole_ruleset *r, const char *absent_table)
{
	uint8_t *buf;
	size_t len;
	int ret = serial_write_ruleset(r, absent_table, &buf, &len);

	if (ret)
		return ret;
	ret = state_write(st, name, buf, len);
	free(buf);
	return ret;
}

int state_load_ruleset(struct state *st, const char *name,
		       struct pinhole_ruleset **out, char **absent_table)
{
	uint8_t *buf;
	size_t len;
	int ret;

	*out = NULL;
	if (absent_table)
		*absent_table = NULL;
	ret = state_read(st, name, &buf, &len);
	if (ret)
		return ret;
	ret = serial_read_ruleset(buf, len, out, absent_table);
	free(buf);
	return ret;
}

int state_save_timer(struct state *st, const char *name,
		     const struct serial_timer *t)
{
	uint8_t *buf;
	size_t len;
	int ret = serial_write_timer(t, &buf, &len);

	if (ret)
		return ret;
	ret = state_write(st, name, buf, len);
	free(buf);
	return ret;
}

int state_load_timer(struct state *st, const char *name, struct serial_timer *t)
{
	uint8_t *buf;
	size_t len;
	int ret = state_read(st, name, &buf, &len);

	if (ret)
		return ret;
	ret = serial_read_timer(buf, len, t);
	free(buf);
	return ret;
}
