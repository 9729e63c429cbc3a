/* atomic_file: temp file + fsync + rename (see atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_err(char *err, size_t errlen, const char *what, const char *step,
		    const char *file, int e)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s '%s': %s", what, step, file, strerror(e));
}

/* Makes the rename durable too; best effort, because by now the new file is in place
 * and reporting an error would suggest it is not. */
static void sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
	if (!dir)
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Fills the temporary file (fd, consumed) and syncs it to disk. */
static int fill_and_sync(int fd, const char *tmp, atomic_fill_fn fill, const void *ctx,
			 const char *what, char *err, size_t errlen)
{
	if (fchmod(fd, 0644) != 0) { /* mkstemp gives 0600; results are meant to be read */
		set_err(err, errlen, what, "cannot set mode of temporary file", tmp, errno);
		close(fd);
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		set_err(err, errlen, what, "cannot open temporary file", tmp, errno);
		close(fd);
		return -1;
	}
	errno = 0;
	if (fill(f, ctx) != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int e = errno ? errno : EIO;
		set_err(err, errlen, what, "cannot write temporary file", tmp, e);
		fclose(f);
		errno = e;
		return -1;
	}
	if (fclose(f) != 0) {
		set_err(err, errlen, what, "cannot close temporary file", tmp, errno);
		return -1;
	}
	return 0;
}

int atomic_file_write(const char *path, atomic_fill_fn fill, const void *ctx, const char *what,
		      char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path) {
		if (err && errlen)
			snprintf(err, errlen, "%s: output path: expected a file name, got %s", what,
				 path ? "an empty string" : "NULL");
		errno = EINVAL;
		return -1;
	}
	static const char suffix[] = ".tmp.XXXXXX";
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof(suffix));
	if (!tmp) {
		set_err(err, errlen, what, "out of memory writing", path, ENOMEM);
		return -1;
	}
	memcpy(tmp, path, len);
	memcpy(tmp + len, suffix, sizeof(suffix));
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		set_err(err, errlen, what, "cannot create temporary file next to", path, e);
		free(tmp);
		errno = e;
		return -1;
	}
	if (fill_and_sync(fd, tmp, fill, ctx, what, err, errlen) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		if (err && errlen && !err[0])
			set_err(err, errlen, what, "cannot rename temporary file onto", path, e);
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	sync_parent_dir(path);
	return 0;
}
