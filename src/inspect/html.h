/*
 * html.h: helpers for vigil's standalone HTML reports (appraisal, level
 * inspection): escaping and the shared stylesheet.  Reports embed their CSS
 * and SVG so that one file can be mailed, archived or printed to PDF.
 */
#ifndef VG_INSPECT_HTML_H
#define VG_INSPECT_HTML_H

#include <stdio.h>

/* Write s with & < > " ' escaped; NULL writes nothing. */
void vg_html_text(FILE *fp, const char *s);
/* <!doctype html> ... <body> with the shared stylesheet and title. */
void vg_html_begin(FILE *fp, const char *title);
void vg_html_end(FILE *fp);
/* A horizontal bar chart as inline SVG: n labelled values 0..100 (negative
 * = no data). */
void vg_html_bars(FILE *fp, const char *const *labels, const int *values, int n);

#endif
