#ifndef TCPCONFORM_FUZZ_STORE_H
#define TCPCONFORM_FUZZ_STORE_H
#include <stdbool.h>
#include <stddef.h>

/* The findings of a campaign's output directory, on disk and in memory: OUT/findings/
 * <signature>/ holds finding.json (the engine's whole object), case.json and
 * minimised.json (the programs), test.lua (the ready T.test) and the pcaps the engine
 * wrote there. Each file is written atomically (base/atomic_file.h) the moment its
 * finding arrives, finding.json last: a directory with finding.json is a complete
 * finding, so a kill loses nothing already reported. Deduplicated by signature: a
 * signature already on disk when the store was opened (an earlier run into the same OUT)
 * or already added is not new. Suppressed findings (a declared deviation covers them)
 * are counted per signature, not written. */

struct fuzz_json;
struct fuzz_store;

/* Opens out_dir (made if missing, with findings/) and loads every complete finding under
 * it as known. NULL with err naming the file on trouble (an unreadable finding.json is
 * an error: it names the file and the byte). */
struct fuzz_store *fuzz_store_open(const char *out_dir, char *err, size_t errlen);
void fuzz_store_free(struct fuzz_store *s);

/* What fuzz_store_add made of a finding. */
enum fuzz_added {
	FUZZ_ADDED_NEW,     /* a signature not known: written to disk now */
	FUZZ_ADDED_KNOWN,   /* on disk before this run, reported now for the first time */
	FUZZ_ADDED_REPEAT   /* already reported in this run (another worker, again) */
};

/* A "finding" object from the engine (parsed; the store takes ownership of f whatever
 * it returns: it stays alive when *what is FUZZ_ADDED_NEW, else it is freed). 0, or -1
 * with err (a missing or malformed "signature", a write error). */
int fuzz_store_add(struct fuzz_store *s, struct fuzz_json *f, enum fuzz_added *what,
		   char *err, size_t errlen);
/* A "suppressed" object: counted once per signature. */
void fuzz_store_suppressed(struct fuzz_store *s, const char *signature);

/* Copies the finding directory dir (another run's OUT/findings/<sig>) into the store:
 * every file but finding.json first, then finding.json, atomically. *is_new as for
 * fuzz_store_add's FUZZ_ADDED_NEW; a known signature copies nothing. 0, or -1 with err. */
int fuzz_store_import(struct fuzz_store *s, const char *dir, bool *is_new, char *err,
		      size_t errlen);

/* The findings, sorted by (oracle, target, state, class, signature): i < count. */
size_t fuzz_store_count(const struct fuzz_store *s);
const struct fuzz_json *fuzz_store_get(const struct fuzz_store *s, size_t i, bool *is_new);
size_t fuzz_store_new_count(const struct fuzz_store *s);
/* The signatures of the findings that were on disk when the store was opened (an earlier
 * run into the same OUT), in no set order: the first max into out (strings the store
 * owns, alive until fuzz_store_free), and how many there are. For the engine
 * (fuzz_opts.known): it does not confirm, minimise or verify those again, since
 * fuzz_store_add keeps their earlier files whatever it reports. */
size_t fuzz_store_known(const struct fuzz_store *s, const char **out, size_t max);
size_t fuzz_store_suppressed_count(const struct fuzz_store *s);
const char *fuzz_store_dir(const struct fuzz_store *s);

/* The four oracles, in report order; the index of an oracle's name (4: other). */
#define FUZZ_NORACLES 4
extern const char *const FUZZ_ORACLES[FUZZ_NORACLES];
int fuzz_oracle_index(const char *oracle);

/* Whether sig is a signature the store accepts as a directory name: 1..64 characters of
 * [0-9A-Za-z_-] (the engine's are 16 hex digits). */
bool fuzz_signature_ok(const char *sig);

/* The whole of a file (a finding, a corpus entry), NUL-terminated, malloc'ed; *len its
 * size. NULL with errno set. */
char *fuzz_read_file(const char *path, size_t *len);

#endif
