/* report.c: the level inspection report (see report.h). */
#include "inspect/report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "inspect/appraise.h"
#include "inspect/html.h"

static const char *const gname[VG_REPORT_GROUPS] = {"network", "host", "application", "data",
                                                     "management"};
static const char *const gname_vi[VG_REPORT_GROUPS] = {"Mạng", "Máy chủ", "Ứng dụng", "Dữ liệu",
                                                        "Quản lý"};

static int group_index(const char *g)
{
    if (!g)
        return 1; /* third-party checks without a group are host checks */
    for (int i = 0; i < VG_REPORT_GROUPS; i++)
        if (strcmp(g, gname[i]) == 0)
            return i;
    return 1;
}

#define MAX_EVIDENCE 64

void vg_report_groups(const vg_report_in *in, vg_report_group out[VG_REPORT_GROUPS])
{
    memset(out, 0, sizeof(vg_report_group) * VG_REPORT_GROUPS);
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        out[i].name = gname[i];
        out[i].name_vi = gname_vi[i];
    }
    for (size_t k = 0; k < in->npols; k++)
        for (size_t i = 0; i < vg_sca_count(in->pols[k]); i++) {
            const vg_sca_check *c = vg_sca_check_at(in->pols[k], i);
            vg_report_group *g = &out[group_index(c->group)];
            switch (c->result) {
            case VG_SCA_PASSED: g->passed++; break;
            case VG_SCA_FAILED: g->failed++; break;
            case VG_SCA_NA: g->na++; break;
            case VG_SCA_ERROR: g->errors++; break;
            default: break;
            }
        }
    /* each vulnerable package is a failed host finding */
    out[1].failed += in->nvulns + in->nmal;
    for (size_t i = 0; i < in->nweb; i++) {
        if (in->web[i].nsigns)
            out[2].failed++;
        else
            out[2].passed++;
    }
    out[4].evidence_items = vg_appr_evidence_items(in->level, NULL, 0);
    for (int i = 0; i < VG_REPORT_GROUPS; i++)
        out[i].score = out[i].passed + out[i].failed
                           ? (int)(out[i].passed * 100 / (out[i].passed + out[i].failed))
                           : -1;
}

void vg_report_json_members(vg_jb *jb, const vg_report_in *in)
{
    vg_report_group g[VG_REPORT_GROUPS];
    vg_report_groups(in, g);
    vg_jb_u64(jb, "level", (uint64_t)in->level);
    vg_jb_open_arr(jb, "groups");
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        vg_jb_open_obj(jb, NULL);
        vg_jb_str(jb, "group", g[i].name);
        vg_jb_u64(jb, "passed", g[i].passed);
        vg_jb_u64(jb, "failed", g[i].failed);
        vg_jb_u64(jb, "not_applicable", g[i].na);
        vg_jb_u64(jb, "errors", g[i].errors);
        vg_jb_i64(jb, "score", g[i].score);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_arr(jb);
    if (in->scheduled) {
        char d[16];
        time_t t = (time_t)in->next_due;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(d, sizeof d, "%Y-%m-%d", &tm);
        vg_jb_open_obj(jb, "schedule");
        vg_jb_u64(jb, "cadence_months", (uint64_t)in->cadence_months);
        vg_jb_str(jb, "next_due", d);
        vg_jb_close_obj(jb);
    }
    if (in->evidence) {
        vg_jb_open_arr(jb, "evidence_items");
        for (size_t i = 0; i < in->nevidence; i++) {
            const vg_evidence *e = &in->evidence[i];
            char d[16];
            time_t t = (time_t)e->due;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(d, sizeof d, "%Y-%m-%d", &tm);
            vg_jb_open_obj(jb, NULL);
            vg_jb_str(jb, "id", e->id);
            vg_jb_str(jb, "title", e->title);
            vg_jb_str(jb, "title_vi", e->title_vi);
            vg_jb_str(jb, "reference", e->reference);
            vg_jb_str(jb, "status", e->status);
            vg_jb_str(jb, "due", d);
            if (e->ref[0])
                vg_jb_str(jb, "evidence", e->ref);
            vg_jb_close_obj(jb);
        }
        vg_jb_close_arr(jb);
        return;
    }
    vg_appr_req_info ev[MAX_EVIDENCE];
    size_t n = vg_appr_evidence_items(in->level, ev, MAX_EVIDENCE);
    vg_jb_open_arr(jb, "evidence_items");
    for (size_t i = 0; i < n && i < MAX_EVIDENCE; i++) {
        vg_jb_open_obj(jb, NULL);
        vg_jb_str(jb, "id", ev[i].id);
        vg_jb_str(jb, "title", ev[i].title);
        vg_jb_str(jb, "title_vi", ev[i].title_vi);
        vg_jb_str(jb, "reference", ev[i].reference);
        vg_jb_str(jb, "status", "evidence required");
        vg_jb_close_obj(jb);
    }
    vg_jb_close_arr(jb);
}

static void result_cell(FILE *fp, int r)
{
    const char *cls = r == VG_SCA_PASSED ? "passed" : r == VG_SCA_FAILED ? "failed"
                      : r == VG_SCA_NA ? "na" : "error";
    const char *vi = r == VG_SCA_PASSED ? "Đạt" : r == VG_SCA_FAILED ? "Không đạt"
                     : r == VG_SCA_NA ? "Không áp dụng" : "Lỗi";
    fprintf(fp, "<td class=\"%s\">%s<br><span class=\"en\">%s</span></td>", cls, vi,
            vg_sca_result_name(r));
}

/* Results as one stacked bar (passed, failed, not applicable, errors). */
static void stacked(FILE *fp, size_t p, size_t f, size_t na, size_t e)
{
    size_t t = p + f + na + e;
    if (!t)
        return;
    const size_t v[4] = {p, f, na, e};
    const char *col[4] = {"#2e9d57", "#c8453b", "#d89b1d", "#6b21a8"};
    const char *lab[4] = {"Đạt / passed", "Không đạt / failed", "Không áp dụng / n/a", "Lỗi / error"};
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"64\" role=\"img\">\n", fp);
    double x = 0;
    for (int i = 0; i < 4; i++) {
        double w = 700.0 * (double)v[i] / (double)t;
        if (w > 0)
            fprintf(fp, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"22\" fill=\"%s\"/>\n", x, w, col[i]);
        x += w;
    }
    for (int i = 0; i < 4; i++)
        fprintf(fp, "<rect x=\"%d\" y=\"34\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    "<text x=\"%d\" y=\"44\" font-size=\"11\">%s: %zu</text>\n",
                i * 178, col[i], i * 178 + 14, lab[i], v[i]);
    fputs("</svg>\n", fp);
}

/* A policy whose requirements were not met: not applicable, with the
 * reason; its checks were not evaluated. */
static void na_policy_row(FILE *fp, const vg_sca_policy *p)
{
    vg_sca_summary s;
    vg_sca_summarise(p, &s);
    fputs("<tr><td>", fp);
    vg_html_text(fp, vg_sca_policy_id(p));
    fputs("</td><td>Chính sách không áp dụng cho máy này: ", fp);
    vg_html_text(fp, vg_sca_policy_name(p));
    fprintf(fp, " (%zu kiểm tra không được đánh giá)<br><span class=\"en\">Policy not applicable to "
                "this host: %zu checks not evaluated</span><br><small>", s.na, s.na);
    vg_html_text(fp, vg_sca_requirements_reason(p));
    fputs("</small></td>", fp);
    result_cell(fp, VG_SCA_NA);
    fputs("<td>-</td><td>", fp);
    vg_html_text(fp, vg_sca_policy_file(p));
    fputs("</td></tr>\n", fp);
}

int vg_report_html(const vg_report_in *in, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return VG_EIO;
    vg_report_group g[VG_REPORT_GROUPS];
    vg_report_groups(in, g);
    size_t P = 0, F = 0, NA = 0, E = 0;
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        P += g[i].passed;
        F += g[i].failed;
        NA += g[i].na;
        E += g[i].errors;
    }
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M %z", &tm);
    vg_html_begin(fp, "Báo cáo kiểm tra, đánh giá / Inspection report");
    fprintf(fp, "<h1>Báo cáo kiểm tra, đánh giá an toàn thông tin <span class=\"en\">/ Security "
                "inspection report</span></h1>\n<p>Máy / Host: <b>");
    vg_html_text(fp, in->host);
    fputs("</b>", fp);
    if (in->root) {
        fputs(" (cây thư mục / tree <code>", fp);
        vg_html_text(fp, in->root);
        fputs("</code>)", fp);
    }
    fprintf(fp, "<br>Cấp độ / Level: <b>%d</b> &middot; Thời điểm / Time: %s &middot; %.1f s</p>\n",
            in->level, when, in->elapsed_ms / 1000.0);
    fputs("<div class=\"summary\">", fp);
    fprintf(fp, "<div class=\"card\"><b class=\"passed\">%zu</b>Đạt <span class=\"en\">passed</span></div>", P);
    fprintf(fp, "<div class=\"card\"><b class=\"failed\">%zu</b>Không đạt <span class=\"en\">failed</span></div>", F);
    fprintf(fp, "<div class=\"card\"><b class=\"na\">%zu</b>Không áp dụng <span class=\"en\">not applicable</span></div>", NA);
    fprintf(fp, "<div class=\"card\"><b class=\"error\">%zu</b>Lỗi <span class=\"en\">errors</span></div>", E);
    fprintf(fp, "<div class=\"card\"><b>%zu</b>Hạng mục cần bằng chứng <span class=\"en\">evidence items</span></div>",
            g[4].evidence_items);
    fputs("</div>\n<h2 id=\"summary\">Điểm theo nhóm <span class=\"en\">/ Score by group</span></h2>\n", fp);
    const char *labels[VG_REPORT_GROUPS];
    int vals[VG_REPORT_GROUPS];
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        labels[i] = g[i].name_vi;
        vals[i] = g[i].score;
    }
    vg_html_bars(fp, labels, vals, VG_REPORT_GROUPS);
    fputs("<table><tr><th>Nhóm / Group</th><th>Đạt / passed</th><th>Không đạt / failed</th>"
          "<th>Không áp dụng / n/a</th><th>Điểm / score</th></tr>\n", fp);
    for (int i = 0; i < VG_REPORT_GROUPS; i++) {
        fprintf(fp, "<tr><td>%s <span class=\"en\">%s</span></td><td>%zu</td><td>%zu</td><td>%zu</td><td>",
                g[i].name_vi, g[i].name, g[i].passed, g[i].failed, g[i].na);
        if (g[i].score >= 0)
            fprintf(fp, "%d%%", g[i].score);
        else if (i == 4)
            fputs("bằng chứng / evidence", fp);
        else
            fputs("-", fp);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
    stacked(fp, P, F, NA, E);

    fputs("<h2 id=\"findings\">Phát hiện và khắc phục <span class=\"en\">/ Findings and remediation</span></h2>\n"
          "<table><tr><th>ID</th><th>Kiểm tra / Check</th><th>Kết quả / Result</th>"
          "<th>Khắc phục / Remediation</th><th>Căn cứ / Source</th></tr>\n", fp);
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < in->npols; k++) {
            if (vg_sca_requirements_reason(in->pols[k])) {
                /* not applicable: one row for the policy, not one per check */
                if (pass == 1) {
                    na_policy_row(fp, in->pols[k]);
                    shown++;
                }
                continue;
            }
            for (size_t i = 0; i < vg_sca_count(in->pols[k]); i++) {
                const vg_sca_check *c = vg_sca_check_at(in->pols[k], i);
                /* failed and errors first, then not applicable */
                bool first = c->result == VG_SCA_FAILED || c->result == VG_SCA_ERROR;
                if ((pass == 0 && !first) || (pass == 1 && c->result != VG_SCA_NA))
                    continue;
                shown++;
                fputs("<tr><td>", fp);
                vg_html_text(fp, c->id);
                fputs("</td><td>", fp);
                if (c->title_vi) {
                    vg_html_text(fp, c->title_vi);
                    fputs("<br>", fp);
                }
                fputs("<span class=\"en\">", fp);
                vg_html_text(fp, c->title);
                fputs("</span>", fp);
                if (c->reason) {
                    fputs("<br><small>", fp);
                    vg_html_text(fp, c->reason);
                    fputs("</small>", fp);
                }
                fputs("</td>", fp);
                result_cell(fp, c->result);
                fputs("<td>", fp);
                if (c->remediation_vi) {
                    vg_html_text(fp, c->remediation_vi);
                    fputs("<br>", fp);
                }
                fputs("<span class=\"en\">", fp);
                vg_html_text(fp, c->remediation);
                fputs("</span></td><td>", fp);
                vg_html_text(fp, c->control);
                if (c->control)
                    fputs(": ", fp);
                vg_html_text(fp, c->clause ? c->clause : vg_sca_policy_name(in->pols[k]));
                fputs("</td></tr>\n", fp);
            }
        }
    if (!shown)
        fputs("<tr><td colspan=\"5\">Không có phát hiện / no findings</td></tr>\n", fp);
    fputs("</table>\n", fp);

    fputs("<h2 id=\"packages\">Gói phần mềm có lỗ hổng <span class=\"en\">/ Vulnerable packages</span></h2>\n", fp);
    if (!in->pkgs_scanned) {
        fputs("<p class=\"na\">", fp);
        vg_html_text(fp, in->pkgs_note ? in->pkgs_note : "not scanned");
        fputs("</p>\n", fp);
    } else {
        fprintf(fp, "<p>%zu gói đã cài / installed packages, %zu phát hiện / findings.</p>\n",
                in->npkgs, in->nvulns);
        if (in->nvulns) {
            fputs("<table><tr><th>CVE / ID</th><th>Gói / Package</th><th>Đã cài / Installed</th>"
                  "<th>Bản sửa / Fixed</th><th>Mức độ / Severity</th><th>Nguồn / Feed</th></tr>\n", fp);
            for (size_t i = 0; i < in->nvulns; i++) {
                const vg_vuln *v = &in->vulns[i];
                fputs("<tr><td>", fp);
                vg_html_text(fp, v->id);
                fputs("</td><td>", fp);
                vg_html_text(fp, v->package);
                fputs(" <span class=\"en\">(", fp);
                vg_html_text(fp, v->source);
                fputs(")</span></td><td>", fp);
                vg_html_text(fp, v->version);
                fputs("</td><td>", fp);
                vg_html_text(fp, v->fixed ? v->fixed : "chưa có / none yet");
                fputs("</td><td>", fp);
                vg_html_text(fp, v->severity ? v->severity : "-");
                fputs("</td><td>", fp);
                vg_html_text(fp, v->feed);
                fputs("</td></tr>\n", fp);
            }
            fputs("</table>\n<p>Khắc phục: cập nhật các gói lên phiên bản đã sửa (apt upgrade). "
                  "<span class=\"en\">Remediation: upgrade to the fixed versions (apt upgrade).</span></p>\n", fp);
        }
    }

    if (in->nweb) {
        fputs("<h2 id=\"web\">Toàn vẹn trang thông tin điện tử <span class=\"en\">/ Website integrity</span></h2>\n"
              "<table><tr><th>URL</th><th>HTTP</th><th>Thay đổi / Changed</th><th>Dấu hiệu / Signs</th></tr>\n", fp);
        for (size_t i = 0; i < in->nweb; i++) {
            const vg_web_result *w = &in->web[i];
            fputs("<tr><td>", fp);
            vg_html_text(fp, w->url);
            fprintf(fp, "</td><td>%ld</td><td>%s %d%%</td><td%s>", w->status,
                    w->baseline_created ? "baseline" : w->changed ? "yes" : "no", w->change_pct,
                    w->nsigns ? " class=\"failed\"" : "");
            for (int k = 0; k < w->nsigns; k++) {
                vg_html_text(fp, w->signs[k]);
                fputs(": ", fp);
                vg_html_text(fp, w->detail[k]);
                fputs("<br>", fp);
            }
            fputs("</td></tr>\n", fp);
        }
        fputs("</table>\n", fp);
    }
    if (in->mal_scanned) {
        fprintf(fp, "<h2 id=\"malware\">Mã độc <span class=\"en\">/ Malware</span></h2>\n"
                    "<p>%zu tệp đã quét / files scanned, %zu phát hiện / detections.</p>\n",
                in->mal_files, in->nmal);
        if (in->nmal) {
            fputs("<table><tr><th>Tệp / File</th><th>Luật / Rule</th><th>Loại / Category</th>"
                  "<th>Mức độ / Severity</th><th>Mô tả / Description</th></tr>\n", fp);
            for (size_t i = 0; i < in->nmal; i++) {
                const vg_mal_hit *h = &in->mal[i];
                fputs("<tr><td><code>", fp);
                vg_html_text(fp, h->path);
                fputs("</code></td><td>", fp);
                vg_html_text(fp, h->rule);
                fputs("</td><td>", fp);
                vg_html_text(fp, h->category);
                fputs("</td><td class=\"failed\">", fp);
                vg_html_text(fp, h->severity);
                fputs("</td><td>", fp);
                vg_html_text(fp, h->description);
                fputs("</td></tr>\n", fp);
            }
            fputs("</table>\n<p>Khắc phục: cô lập máy, bảo toàn chứng cứ, gỡ bỏ tệp độc hại và điều tra "
                  "nguồn gốc. <span class=\"en\">Remediation: isolate the host, preserve evidence, remove "
                  "the files and investigate how they arrived.</span></p>\n", fp);
        }
    }

    fputs("<h2 id=\"evidence\">Hạng mục cần bằng chứng <span class=\"en\">/ Evidence items (no machine can "
          "check these)</span></h2>\n", fp);
    if (in->scheduled) {
        char d[16];
        time_t t = (time_t)in->next_due;
        struct tm tmd;
        gmtime_r(&t, &tmd);
        strftime(d, sizeof d, "%Y-%m-%d", &tmd);
        fprintf(fp, "<p>Kiểm tra định kỳ mỗi %d tháng; lần tiếp theo trước %s. <span class=\"en\">Inspections "
                    "every %d months; next due by %s.</span></p>\n", in->cadence_months, d, in->cadence_months, d);
    }
    fputs("<table><tr><th>ID</th><th>Yêu cầu / Requirement</th>"
          "<th>Căn cứ / Reference</th><th>Trạng thái / Status</th></tr>\n", fp);
    if (in->evidence) {
        for (size_t i = 0; i < in->nevidence; i++) {
            const vg_evidence *e = &in->evidence[i];
            char d[16];
            time_t t = (time_t)e->due;
            struct tm tmd;
            gmtime_r(&t, &tmd);
            strftime(d, sizeof d, "%Y-%m-%d", &tmd);
            bool provided = strcmp(e->status, "provided") == 0;
            fputs("<tr><td>", fp);
            vg_html_text(fp, e->id);
            fputs("</td><td>", fp);
            vg_html_text(fp, e->title_vi);
            fputs("<br><span class=\"en\">", fp);
            vg_html_text(fp, e->title);
            fputs("</span></td><td>", fp);
            vg_html_text(fp, e->reference);
            fprintf(fp, "</td><td class=\"%s\">%s (%s %s)", provided ? "met" : "evidence",
                    provided ? "đã có / provided" : "cần bằng chứng / evidence required",
                    provided ? "review" : "due", d);
            if (e->ref[0]) {
                fputs("<br>", fp);
                vg_html_text(fp, e->ref);
            }
            fputs("</td></tr>\n", fp);
        }
    } else {
        vg_appr_req_info ev[MAX_EVIDENCE];
        size_t n = vg_appr_evidence_items(in->level, ev, MAX_EVIDENCE);
        for (size_t i = 0; i < n && i < MAX_EVIDENCE; i++) {
            fputs("<tr><td>", fp);
            vg_html_text(fp, ev[i].id);
            fputs("</td><td>", fp);
            vg_html_text(fp, ev[i].title_vi);
            fputs("<br><span class=\"en\">", fp);
            vg_html_text(fp, ev[i].title);
            fputs("</span></td><td>", fp);
            vg_html_text(fp, ev[i].reference);
            fputs("</td><td class=\"evidence\">cần bằng chứng / evidence required</td></tr>\n", fp);
        }
    }
    fputs("</table>\n", fp);

    fputs("<h2>Ngưỡng áp dụng <span class=\"en\">/ Thresholds applied</span></h2>\n<table><tr><th>Tên / Name</th>"
          "<th>Giá trị / Value</th><th>Nguồn / Source</th><th>Đã kiểm chứng / Verified</th></tr>\n", fp);
    for (size_t k = 0; k < in->npols; k++)
        for (size_t i = 0; i < vg_sca_threshold_count(in->pols[k]); i++) {
            const vg_sca_threshold *t = vg_sca_threshold_at(in->pols[k], i);
            fputs("<tr><td>", fp);
            vg_html_text(fp, t->name);
            fputs("</td><td>", fp);
            vg_html_text(fp, t->value);
            if (t->overridden)
                fputs(" (ghi đè / overridden)", fp);
            fputs("</td><td>", fp);
            vg_html_text(fp, t->source);
            fprintf(fp, "</td><td>%s</td></tr>\n", t->verified ? "có / yes" : "chưa / no");
        }
    fputs("</table>\n<h2>Chính sách / Policies</h2><ul>\n", fp);
    for (size_t k = 0; k < in->npols; k++) {
        vg_sca_summary s;
        vg_sca_summarise(in->pols[k], &s);
        fputs("<li>", fp);
        vg_html_text(fp, vg_sca_policy_name(in->pols[k]));
        if (s.policy_na) {
            fputs(": <b class=\"na\">không áp dụng / not applicable</b> (", fp);
            vg_html_text(fp, vg_sca_requirements_reason(in->pols[k]));
            fprintf(fp, "); %zu checks not evaluated (0 passed, 0 failed)</li>\n", s.na);
            continue;
        }
        fprintf(fp, ": %zu passed, %zu failed, %zu n/a, %zu errors, %zu not required at level %d</li>\n",
                s.passed, s.failed, s.na, s.errors, s.skipped, in->level);
    }
    fputs("</ul>\n<p class=\"en\">Thresholds marked [T14423] come from a secondary summary of TCVN "
          "14423:2026 and are unverified against the official text; (recall) marks figures from "
          "memory of TCVN 11930:2017.</p>\n", fp);
    vg_html_end(fp);
    return fclose(fp) == 0 ? VG_OK : VG_EIO;
}
