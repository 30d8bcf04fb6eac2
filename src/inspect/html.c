/* html.c: HTML report helpers (see html.h). */
#include "inspect/html.h"

void vg_html_text(FILE *fp, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

void vg_html_begin(FILE *fp, const char *title)
{
    fputs("<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\n<title>", fp);
    vg_html_text(fp, title);
    fputs("</title>\n<style>\n"
          "body{font-family:system-ui,'Segoe UI',Roboto,sans-serif;margin:2em;color:#1d2430;max-width:72em}\n"
          "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #d8dde6}\n"
          ".en{color:#5a6472;font-size:.92em}\n"
          "table{border-collapse:collapse;width:100%;margin:.6em 0}\n"
          "th,td{border:1px solid #d8dde6;padding:.35em .5em;text-align:left;vertical-align:top}\n"
          "th{background:#f1f4f8}\n"
          ".met,.passed{color:#0a7a32;font-weight:600}.missing,.failed{color:#b3261e;font-weight:600}\n"
          ".evidence,.na{color:#8a5a00;font-weight:600}.error{color:#6b21a8;font-weight:600}\n"
          ".summary{display:flex;gap:1.5em;flex-wrap:wrap}.card{border:1px solid #d8dde6;border-radius:6px;padding:.6em 1em}\n"
          ".card b{font-size:1.5em;display:block}\n"
          "@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}\n"
          "</style></head><body>\n",
          fp);
}

void vg_html_end(FILE *fp)
{
    fputs("<p class=\"en\">vigil " VG_VERSION "</p>\n</body></html>\n", fp);
}

void vg_html_bars(FILE *fp, const char *const *labels, const int *values, int n)
{
    int h = 26 * n + 10;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"520\" height=\"%d\" role=\"img\">\n", h);
    for (int i = 0; i < n; i++) {
        int y = 5 + 26 * i;
        int v = values[i];
        fprintf(fp, "<text x=\"0\" y=\"%d\" font-size=\"13\">", y + 15);
        vg_html_text(fp, labels[i]);
        fputs("</text>\n", fp);
        fprintf(fp, "<rect x=\"130\" y=\"%d\" width=\"300\" height=\"18\" fill=\"#eef1f5\"/>\n", y);
        if (v >= 0) {
            const char *col = v >= 80 ? "#2e9d57" : v >= 50 ? "#d89b1d" : "#c8453b";
            fprintf(fp, "<rect x=\"130\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>\n", y,
                    v * 3, col);
            fprintf(fp, "<text x=\"440\" y=\"%d\" font-size=\"13\">%d%%</text>\n", y + 15, v);
        } else {
            fprintf(fp, "<text x=\"440\" y=\"%d\" font-size=\"13\">-</text>\n", y + 15);
        }
    }
    fputs("</svg>\n", fp);
}
