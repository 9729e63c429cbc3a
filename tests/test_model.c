/* Unit tests of the RFC 9293 model (lua/model/): runs tests/model_spec.lua, the model's
 * own specification written as cases against the RFC's figures and rules, in a fresh
 * Lua state with the modules loaded from the source tree (so a change to the model is
 * tested without a rebuild), and checks that the binary carries every lua/model/ file,
 * byte for byte, as module "model.<name>" (harness/script/embed_lua.cmake). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>

#include "lua_embedded.h"
#include "lua_spec.h"

/* Runs the spec; the spec prints one line per case and returns passed, failed. */
static void test_model_spec(void **state)
{
	(void)state;
	lua_spec_run("model_spec.lua", 80);
}

/* The embedded module named "model.<name>" (NULL if none). */
static const struct lua_embedded *embedded_model(const char *name)
{
	char mod[256];
	snprintf(mod, sizeof(mod), "model.%s", name);
	for (const struct lua_embedded *m = lua_embedded_modules; m->name; m++)
		if (strcmp(m->name, mod) == 0)
			return m;
	return NULL;
}

/* Every lua/model/NAME.lua is in the binary as "model.NAME", with chunk name
 * "@lua/model/NAME.lua" and the file's exact bytes. */
static void test_model_files_are_embedded_byte_for_byte(void **state)
{
	(void)state;
	char buf[4096], dir[4200];
	snprintf(dir, sizeof(dir), "%s/lua/model", lua_spec_source_dir(buf, sizeof(buf)));
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0)
			continue;
		char name[256], path[4500], chunk[300];
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), e->d_name);
		const struct lua_embedded *m = embedded_model(name);
		if (!m)
			fail_msg("lua/model/%s is not embedded as model.%s", e->d_name, name);
		snprintf(chunk, sizeof(chunk), "@lua/model/%s", e->d_name);
		assert_string_equal(m->chunk, chunk);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		char *text = malloc(m->len + 2);
		assert_non_null(text);
		size_t got = fread(text, 1, m->len + 1, f);
		fclose(f);
		if (got != m->len || memcmp(text, m->src, m->len) != 0)
			fail_msg("model.%s differs from %s (rebuild?)", name, path);
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_spec),
		cmocka_unit_test(test_model_files_are_embedded_byte_for_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
