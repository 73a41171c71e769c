/*
 * csv.h: one CSV cell per RFC 4180 (§2: quoted when it holds a comma,
 * quote, CR or LF; quotes doubled), neutralised against spreadsheet
 * formula injection: a cell that starts with =, +, -, @, tab or CR gets
 * a leading apostrophe, as OWASP recommends.
 */
#ifndef AXLOG_CSV_H
#define AXLOG_CSV_H

#include <stddef.h>

/*
 * Write the cell for s[0..len) into out (outsz bytes, NUL-terminated).
 * Returns the length written, or the length needed (>= outsz) when out
 * is too small, as snprintf does.  At most 2 * len + 4 bytes are needed.
 */
size_t	csv_cell(const char *s, size_t len, char *out, size_t outsz);

#endif
