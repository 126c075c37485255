/* generated_doc - what check_readme, check_man and check_conf_sample share: a file of the
 * source tree carries a section generated from a table of the code, between two marker lines,
 * and the section must be exactly the text the table gives. */
#ifndef AUTHFCGI_TEST_GENERATED_DOC_H
#define AUTHFCGI_TEST_GENERATED_DOC_H

/* generated_doc_read - the whole file $top_srcdir/rel_path, NUL-terminated; NULL when it
 * cannot be read. Caller frees. */
char *generated_doc_read(const char *rel_path);

/* generated_doc_check - the text after the line `begin` and before the line `end` (end NULL:
 * to the end of the file) is `want`, or the test fails; then the file as it should be is
 * written to `expected` in the working directory (the build directory), ready to copy over
 * the source. Marker lines include their '\n'. */
void generated_doc_check(const char *rel_path, const char *begin, const char *end, const char *want,
                         const char *expected);

#endif
