// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics: exact R3 format, sorting by position, the error cap. */
#include "config.h"

#include <stdlib.h>

#include "pinhole.h"
#include "diag.h"
#include "tap.h"

int main(void)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_loc a = { "p.yaml", 12, 9 }, b = { "p.yaml", 3, 1 };
	char *out;

	ok(pinhole_error(d, &a, "port range %u:%u is reversed", 9000, 8000) == -1,
	   "pinhole_error returns -1");
	pinhole_warning(d, &b, "host address is a ULA");
	pinhole_error(d, NULL, "no position");
	out = diag_text(d);
	is_str(out, "pinhole: error: no position\n"
		    "p.yaml:3:1: warning: host address is a ULA\n"
		    "p.yaml:12:9: error: port range 9000:8000 is reversed\n",
	       "records print sorted by position in FILE:LINE:COL form");
	ok(pinhole_diag_errors(d) == 2, "two errors counted");
	ok(pinhole_diag_warnings(d) == 1, "one warning counted");
	free(out);
	pinhole_diag_free(d);

	d = pinhole_diag_new();
	for (unsigned int i = 1; i <= 15; i++) {
		struct pinhole_loc l = { "x.yaml", i, 1 };

		pinhole_error(d, &l, "error %u", i);
	}
	ok(!pinhole_diag_full(d), "parsers go on past the cap, to count the rest");
	ok(pinhole_diag_errors(d) == 15, "errors past the cap still counted");
	out = diag_text(d);
	ok(strstr(out, "x.yaml:10:1: error: error 10\n") && !strstr(out, "error 11\n"),
	   "only the first %d errors print", PINHOLE_DIAG_MAX_ERRORS);
	ok(strstr(out, "x.yaml: note: too many errors; 5 more not shown\n") != NULL,
	   "the rest are summarised");
	free(out);
	for (unsigned int i = 16; i <= PINHOLE_DIAG_STOP_ERRORS; i++)
		pinhole_error(d, NULL, "error %u", i);
	ok(pinhole_diag_full(d), "diag is full after %d errors", PINHOLE_DIAG_STOP_ERRORS);
	out = diag_text(d);
	ok(strstr(out, "x.yaml: note: too many errors; at least 9990 more not shown\n") != NULL,
	   "once parsers may have stopped, the count is a lower bound");
	free(out);
	pinhole_diag_free(d);
	pinhole_diag_free(NULL);
	return tap_done();
}
