/* appraise.c: dossier validation and requirements by level (see appraise.h). */
#include "inspect/appraise.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/html.h"
#include "inspect/ytree.h"

/* ------------------------------------------------------------------ */
/* schema                                                              */

enum { T_BOOL = 'B', T_STR = 'S', T_INT = 'I', T_DATE = 'D' };

struct attr { const char *name; char type; };

/* Attributes every control accepts. */
static const struct attr common_attrs[] = {
    {"present", T_BOOL}, {"evidence", T_STR}, {"notes", T_STR}, {"product", T_STR}, {NULL, 0}};

struct ctrl_schema {
    const char *name;
    const struct attr *attrs; /* extra attributes, NULL-terminated */
};

static const struct attr a_none[] = {{NULL, 0}};
static const struct attr a_backups[] = {
    {"frequency", T_STR}, {"separate_infrastructure", T_BOOL}, {"automated", T_BOOL},
    {"encrypted", T_BOOL}, {"offsite_copy", T_BOOL}, {"offsite_region", T_BOOL},
    {"restore_test", T_DATE}, {"copies", T_INT}, {NULL, 0}};
static const struct attr a_monitoring[] = {{"hours", T_STR}, {"siem", T_STR}, {NULL, 0}};
static const struct attr a_ir[] = {{"reviewed", T_DATE}, {"drill", T_DATE},
                                   {"authority_contact", T_BOOL}, {NULL, 0}};
static const struct attr a_assess[] = {{"interval_months", T_INT}, {"independent_assessor", T_BOOL},
                                       {NULL, 0}};
static const struct attr a_retention[] = {{"months", T_INT}, {NULL, 0}};
static const struct attr a_pentest[] = {{"last", T_DATE}, {"before_go_live", T_BOOL}, {NULL, 0}};
static const struct attr a_mfa[] = {{"admin", T_BOOL}, {"remote", T_BOOL}, {NULL, 0}};
static const struct attr a_crypto[] = {{"at_rest", T_BOOL}, {"in_transit", T_BOOL}, {NULL, 0}};

static const struct ctrl_schema controls[] = {
    {"firewall", a_none}, {"ids_ips", a_none}, {"host_firewall", a_none}, {"vpn", a_none},
    {"mfa", a_mfa}, {"ztna", a_none}, {"admin_source_restriction", a_none},
    {"management_network", a_none}, {"egress_filtering", a_none}, {"waf", a_none},
    {"ha_standby", a_none}, {"anti_ddos", a_none}, {"nac", a_none}, {"flow_collection", a_none},
    {"redundant_uplinks", a_none}, {"dr_site", a_none}, {"central_accounts", a_none},
    {"pam", a_none}, {"anti_malware", a_none}, {"edr", a_none},
    {"vulnerability_scanning", a_none}, {"central_patching", a_none},
    {"integrity_monitoring", a_none}, {"time_sync", a_none}, {"log_retention", a_retention},
    {"central_logging", a_none}, {"log_protection", a_none}, {"monitoring", a_monitoring},
    {"encryption", a_crypto}, {"hsm", a_none}, {"dlp", a_none}, {"dmarc", a_none},
    {"pentest", a_pentest}, {"sbom", a_none}, {"backups", a_backups},
    {"security_policy", a_none}, {"risk_assessment", a_none}, {"training", a_none},
    {"incident_response", a_ir}, {"periodic_assessment", a_assess}, {NULL, NULL}};

static const char *const people_roles[] = {"security_officer", "incident_contact", "deputy",
                                           "administrator", "operator", "assessor", NULL};

/* ------------------------------------------------------------------ */
/* requirements                                                        */

enum { RQ_CTRL, RQ_ATTR, RQ_ATTR_EQ, RQ_MIN, RQ_MAX, RQ_ZONES, RQ_PEOPLE, RQ_DIAGRAM, RQ_WAF,
       RQ_DOSSIER };

struct req {
    const char *id, *control, *group;
    int min_level;
    int kind;
    const char *path;       /* control name, or people role */
    const char *attr;       /* attribute, or NULL */
    const char *value;      /* RQ_ATTR_EQ */
    int thr[6];             /* per level (index 1-5) for RQ_MIN / RQ_MAX / RQ_ZONES */
    const char *en, *vi, *ref;
};

#define T14423 "TCVN 14423:2026 [T14423, unverified]"
#define T11930 "TCVN 11930:2017 (recall)"

static const struct req reqs[] = {
    {"MGMT-09", "MGMT-09", "management", 1, RQ_DOSSIER, NULL, NULL, NULL, {0},
     "Level-classification dossier: system, owner and proposed level",
     "Hồ sơ đề xuất cấp độ: hệ thống, chủ quản, cấp độ đề xuất",
     "Decree 85/2016/NĐ-CP; Circular 12/2022/TT-BTTTT"},
    {"NET-01a", "NET-01", "network", 1, RQ_DIAGRAM, NULL, NULL, NULL, {0},
     "Network diagram of the system", "Sơ đồ thiết kế hệ thống mạng", T11930 " network security"},
    {"NET-01b", "NET-01", "network", 2, RQ_ZONES, NULL, NULL, NULL, {0, 0, 5, 7, 7, 7},
     "Network zones: at least 5 (L2), 7 with database and management zones (L3+)",
     "Phân vùng mạng: tối thiểu 5 vùng (cấp 2), 7 vùng gồm vùng cơ sở dữ liệu và quản trị (cấp 3+)",
     T14423 " network design"},
    {"NET-02a", "NET-02", "network", 1, RQ_CTRL, "firewall", NULL, NULL, {0},
     "Perimeter firewall", "Tường lửa biên", T14423 " 3.12.2.2"},
    {"NET-02b", "NET-02", "network", 1, RQ_CTRL, "ids_ips", NULL, NULL, {0},
     "Intrusion detection/prevention (IDS/IPS)", "Phát hiện và phòng chống xâm nhập (IDS/IPS)",
     T14423 " 3.12.2.2 (TCVN 11930 puts dedicated IPS at L3, recall)"},
    {"NET-03", "NET-03", "network", 1, RQ_CTRL, "host_firewall", NULL, NULL, {0},
     "Host firewall, default deny inbound", "Tường lửa máy chủ, mặc định chặn chiều vào", T11930},
    {"NET-04a", "NET-04", "network", 1, RQ_CTRL, "vpn", NULL, NULL, {0},
     "Remote access only through VPN", "Truy cập từ xa chỉ qua VPN", T14423 " 3.6.2.4"},
    {"NET-04b", "NET-04", "network", 1, RQ_ATTR, "mfa", "admin", NULL, {0},
     "Multi-factor authentication for administrators", "Xác thực đa yếu tố cho quản trị viên",
     T14423 " 3.6.2.4, 3.12.2.5"},
    {"NET-04c", "NET-04", "network", 1, RQ_ATTR, "mfa", "remote", NULL, {0},
     "Multi-factor authentication for remote and third-party access",
     "Xác thực đa yếu tố cho truy cập từ xa và bên thứ ba", T14423 " 3.6.2.4, 3.12.2.5"},
    {"NET-04d", "NET-04", "network", 4, RQ_CTRL, "ztna", NULL, NULL, {0},
     "Zero-trust network access (ZTNA)", "Truy cập mạng theo mô hình không tin cậy (ZTNA)", T14423},
    {"NET-05a", "NET-05", "network", 2, RQ_CTRL, "admin_source_restriction", NULL, NULL, {0},
     "Administration only from approved sources", "Giới hạn nguồn quản trị từ xa", T14423},
    {"NET-05b", "NET-05", "network", 4, RQ_CTRL, "management_network", NULL, NULL, {0},
     "Dedicated management network without Internet, jump host",
     "Mạng quản trị riêng không kết nối Internet, máy chủ trung gian", T14423},
    {"NET-06", "NET-06", "network", 3, RQ_CTRL, "egress_filtering", NULL, NULL, {0},
     "Egress filtering", "Kiểm soát lưu lượng chiều ra", T14423},
    {"NET-07", "NET-07", "application", 2, RQ_WAF, "waf", NULL, NULL, {0},
     "Web application firewall in front of exposed web services",
     "Tường lửa ứng dụng web cho các dịch vụ web công khai", T14423 " 4.12.2.2"},
    {"NET-08a", "NET-08", "network", 3, RQ_CTRL, "ha_standby", NULL, NULL, {0},
     "Hot standby and load balancing", "Dự phòng nóng và cân bằng tải", T14423},
    {"NET-08b", "NET-08", "network", 3, RQ_CTRL, "anti_ddos", NULL, NULL, {0},
     "Anti-DDoS protection", "Chống tấn công từ chối dịch vụ (DDoS)", T14423},
    {"NET-08c", "NET-08", "network", 3, RQ_CTRL, "nac", NULL, NULL, {0},
     "Network access control (NAC)", "Kiểm soát truy cập mạng (NAC)", T14423},
    {"NET-09", "NET-09", "network", 3, RQ_CTRL, "flow_collection", NULL, NULL, {0},
     "Network flow collection feeding the SIEM", "Thu thập luồng mạng về SIEM", T14423 " 5.13"},
    {"NET-10a", "NET-10", "network", 4, RQ_CTRL, "redundant_uplinks", NULL, NULL, {0},
     "At least two international uplinks via different carriers",
     "Tối thiểu hai kết nối quốc tế qua các nhà mạng khác nhau", T14423},
    {"NET-10b", "NET-10", "network", 5, RQ_CTRL, "dr_site", NULL, NULL, {0},
     "Geo-redundant site at least 30 km away", "Trung tâm dự phòng cách tối thiểu 30 km", T14423},
    {"HOST-08a", "HOST-08", "host", 3, RQ_CTRL, "central_accounts", NULL, NULL, {0},
     "Central account management", "Quản lý tài khoản tập trung", T14423},
    {"HOST-08b", "HOST-08", "host", 4, RQ_CTRL, "pam", NULL, NULL, {0},
     "Privileged access management (PAM)", "Quản lý truy cập đặc quyền (PAM)", T14423},
    {"HOST-10a", "HOST-10", "host", 1, RQ_CTRL, "anti_malware", NULL, NULL, {0},
     "Real-time anti-malware on servers and workstations",
     "Phòng chống mã độc thời gian thực trên máy chủ và máy trạm", T11930},
    {"HOST-10b", "HOST-10", "host", 3, RQ_CTRL, "edr", NULL, NULL, {0},
     "EDR connected to the SIEM", "Giải pháp EDR kết nối SIEM", T14423},
    {"HOST-11a", "HOST-11", "host", 1, RQ_CTRL, "vulnerability_scanning", NULL, NULL, {0},
     "Vulnerability scanning (yearly L1-2, 6-monthly L3, quarterly L4-5)",
     "Rà quét lỗ hổng (hằng năm cấp 1-2, 6 tháng cấp 3, hằng quý cấp 4-5)", T14423},
    {"HOST-11b", "HOST-11", "host", 3, RQ_CTRL, "central_patching", NULL, NULL, {0},
     "Central patch management server", "Máy chủ quản lý bản vá tập trung", T14423},
    {"HOST-14", "HOST-14", "host", 3, RQ_CTRL, "integrity_monitoring", NULL, NULL, {0},
     "Integrity monitoring (integrity check codes; change monitoring at L4)",
     "Giám sát toàn vẹn (mã kiểm tra toàn vẹn; giám sát thay đổi ở cấp 4)", T14423},
    {"HOST-15", "HOST-15", "host", 1, RQ_CTRL, "time_sync", NULL, NULL, {0},
     "Time synchronisation (NTP)", "Đồng bộ thời gian (NTP)", T11930},
    {"LOG-02", "LOG-02", "host", 2, RQ_MIN, "log_retention", "months", NULL, {0, 0, 1, 3, 6, 12},
     "Log retention: 1 (L2), 3 (L3), 6 (L4), 12 (L5) months",
     "Thời gian lưu nhật ký: 1 (cấp 2), 3 (cấp 3), 6 (cấp 4), 12 (cấp 5) tháng",
     T14423 "; TCVN 11930 same ladder (recall)"},
    {"LOG-03", "LOG-03", "host", 3, RQ_CTRL, "central_logging", NULL, NULL, {0},
     "Centralised log collection / SIEM", "Quản lý nhật ký tập trung / SIEM", T14423},
    {"LOG-04", "LOG-04", "host", 4, RQ_CTRL, "log_protection", NULL, NULL, {0},
     "Tamper-proof logs stored in a separate zone", "Nhật ký chống sửa đổi, lưu tách vùng mạng", T14423},
    {"MON-01a", "MON-01", "management", 3, RQ_CTRL, "monitoring", NULL, NULL, {0},
     "Security monitoring with SIEM correlation", "Giám sát an ninh mạng với tương quan SIEM", T14423},
    {"MON-01b", "MON-01", "management", 4, RQ_ATTR_EQ, "monitoring", "hours", "24/7", {0},
     "24/7 monitoring", "Giám sát 24/7", T14423},
    {"APP-02", "APP-02", "application", 3, RQ_ATTR, "encryption", "in_transit", NULL, {0},
     "Encryption of important data in transit", "Mã hóa dữ liệu quan trọng khi truyền", T14423},
    {"APP-03a", "APP-03", "application", 4, RQ_ATTR, "pentest", "before_go_live", NULL, {0},
     "Penetration test before go-live", "Kiểm tra xâm nhập trước khi đưa vào vận hành", T14423},
    {"APP-03b", "APP-03", "application", 4, RQ_CTRL, "sbom", NULL, NULL, {0},
     "Software bill of materials (quarterly at L4, monthly at L5)",
     "Danh mục thành phần phần mềm (SBOM) hằng quý cấp 4, hằng tháng cấp 5", T14423},
    {"APP-05", "APP-05", "application", 4, RQ_CTRL, "dmarc", NULL, NULL, {0},
     "Email protection with DMARC", "Bảo vệ thư điện tử với DMARC", T14423},
    {"DATA-01a", "DATA-01", "data", 1, RQ_CTRL, "backups", NULL, NULL, {0},
     "Backup policy, protected backups, periodic restore tests",
     "Chính sách sao lưu, bảo vệ bản sao lưu, kiểm tra khôi phục định kỳ", T11930},
    {"DATA-01b", "DATA-01", "data", 2, RQ_ATTR, "backups", "separate_infrastructure", NULL, {0},
     "Backups on infrastructure separate from production",
     "Sao lưu trên hạ tầng tách biệt với hệ thống vận hành", T14423},
    {"DATA-01c", "DATA-01", "data", 3, RQ_ATTR, "backups", "automated", NULL, {0},
     "Automated, centralised backups", "Sao lưu tự động, tập trung", T14423 " 3-2-1"},
    {"DATA-01d", "DATA-01", "data", 3, RQ_ATTR, "backups", "encrypted", NULL, {0},
     "Encrypted backups", "Bản sao lưu được mã hóa", T14423 " 3-2-1"},
    {"DATA-01e", "DATA-01", "data", 3, RQ_ATTR, "backups", "offsite_copy", NULL, {0},
     "An off-site copy (3-2-1)", "Có bản sao lưu ngoài trụ sở (3-2-1)", T14423 " 3-2-1"},
    {"DATA-01f", "DATA-01", "data", 4, RQ_ATTR, "backups", "restore_test", NULL, {0},
     "Restore test at least every 6 months (quarterly at L5)",
     "Kiểm tra khôi phục tối thiểu 6 tháng một lần (hằng quý ở cấp 5)", T14423},
    {"DATA-01g", "DATA-01", "data", 5, RQ_ATTR, "backups", "offsite_region", NULL, {0},
     "Off-site backup in another region", "Sao lưu ngoài trụ sở tại khu vực khác", T14423},
    {"DATA-02a", "DATA-02", "data", 2, RQ_ATTR, "encryption", "at_rest", NULL, {0},
     "Encryption of non-public data at rest", "Mã hóa dữ liệu không công khai khi lưu trữ", T14423},
    {"DATA-02b", "DATA-02", "data", 5, RQ_CTRL, "hsm", NULL, NULL, {0},
     "Hardware security module for keys and signing", "Thiết bị HSM quản lý khóa và ký số", T14423},
    {"DATA-04", "DATA-04", "data", 4, RQ_CTRL, "dlp", NULL, NULL, {0},
     "Data-loss prevention", "Chống thất thoát dữ liệu (DLP)", T14423},
    {"MGMT-01", "MGMT-01", "management", 1, RQ_CTRL, "security_policy", NULL, NULL, {0},
     "Security regulation issued", "Quy chế bảo đảm an toàn thông tin được ban hành", T11930 " 5.1.1"},
    {"MGMT-02", "MGMT-02", "management", 1, RQ_CTRL, "risk_assessment", NULL, NULL, {0},
     "Risk assessment (yearly; 6-monthly at L4-5)", "Đánh giá rủi ro (hằng năm; 6 tháng ở cấp 4-5)", T14423},
    {"MGMT-03", "MGMT-03", "management", 1, RQ_PEOPLE, "security_officer", NULL, NULL, {0},
     "Responsible security staff named", "Có cán bộ phụ trách an toàn thông tin", T11930 " 5.1.2"},
    {"MGMT-04", "MGMT-04", "management", 1, RQ_CTRL, "training", NULL, NULL, {0},
     "Yearly awareness training", "Đào tạo nâng cao nhận thức hằng năm", T11930 " 5.1.3"},
    {"MGMT-06a", "MGMT-06", "management", 1, RQ_CTRL, "incident_response", NULL, NULL, {0},
     "Incident response procedure", "Quy trình ứng phó sự cố", T14423 "; Law 116/2025/QH15"},
    {"MGMT-06b", "MGMT-06", "management", 1, RQ_PEOPLE, "incident_contact", NULL, NULL, {0},
     "Incident key person named", "Đầu mối ứng phó sự cố", T14423},
    {"MGMT-06c", "MGMT-06", "management", 1, RQ_PEOPLE, "deputy", NULL, NULL, {0},
     "Incident deputy named", "Người thay thế đầu mối ứng phó sự cố", T14423},
    {"MGMT-06d", "MGMT-06", "management", 2, RQ_ATTR, "incident_response", "authority_contact", NULL, {0},
     "Contact with the competent authority and the response network",
     "Liên hệ với cơ quan chức năng và mạng lưới ứng cứu sự cố", T14423},
    {"MGMT-06e", "MGMT-06", "management", 3, RQ_ATTR, "incident_response", "drill", NULL, {0},
     "Incident response drills (at least yearly at L4)",
     "Diễn tập ứng phó sự cố (tối thiểu hằng năm ở cấp 4)", T14423},
    {"MGMT-07a", "MGMT-07", "management", 3, RQ_MAX, "periodic_assessment", "interval_months", NULL,
     {0, 0, 0, 12, 12, 6},
     "Periodic security assessment: yearly (L3-4), every 6 months (L5)",
     "Kiểm tra, đánh giá định kỳ: hằng năm (cấp 3-4), 6 tháng (cấp 5)", "Directive 14/CT-TTg (2019)"},
    {"MGMT-07b", "MGMT-07", "management", 3, RQ_ATTR, "periodic_assessment", "independent_assessor",
     NULL, {0}, "Assessor independent of the monitoring provider",
     "Đơn vị đánh giá độc lập với đơn vị giám sát", "Directive 14/CT-TTg (2019)"},
    {"MGMT-08", "MGMT-08", "management", 3, RQ_CTRL, "pentest", NULL, NULL, {0},
     "Penetration testing programme (yearly at L4, 6-monthly at L5)",
     "Chương trình kiểm tra xâm nhập (hằng năm cấp 4, 6 tháng cấp 5)", T14423},
};

#define NREQS (sizeof reqs / sizeof reqs[0])

size_t vg_appr_requirements_at(int level)
{
    size_t n = 0;
    for (size_t i = 0; i < NREQS; i++)
        if (reqs[i].min_level <= level)
            n++;
    return n;
}

static void req_info(const struct req *r, vg_appr_req_info *o)
{
    o->id = r->id;
    o->control = r->control;
    o->group = r->group;
    o->title = r->en;
    o->title_vi = r->vi;
    o->reference = r->ref;
    o->min_level = r->min_level;
}

size_t vg_appr_requirements(int level, const char *group, vg_appr_req_info *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < NREQS; i++) {
        const struct req *r = &reqs[i];
        if (r->min_level > level || (group && strcmp(group, r->group) != 0))
            continue;
        if (n < max)
            req_info(r, &out[n]);
        n++;
    }
    return n;
}

size_t vg_appr_evidence_items(int level, vg_appr_req_info *out, size_t max)
{
    /* checked on the host only in part (vn_level.yml): the rest needs evidence */
    static const char *const host_part[] = {"DATA-01e", "DATA-01f", "DATA-01g", "HOST-10b", "LOG-04"};
    size_t n = 0;
    for (size_t i = 0; i < NREQS; i++) {
        const struct req *r = &reqs[i];
        bool take = strcmp(r->group, "management") == 0;
        for (size_t k = 0; !take && k < sizeof host_part / sizeof host_part[0]; k++)
            take = strcmp(r->id, host_part[k]) == 0;
        if (!take || r->min_level > level)
            continue;
        if (n < max)
            req_info(r, &out[n]);
        n++;
    }
    return n;
}

struct vg_appraisal {
    vg_yt *doc;
    const vg_yt *controls, *people, *zones, *services, *diagram;
    char *system, *owner;
    int level, dossier_level;
    char warning[256];
    bool has_warning;
    vg_appr_item *items;
    size_t n;
};

/* ------------------------------------------------------------------ */
/* validation                                                          */

static const char *const top_keys[] = {"system", "owner", "operator", "level", "purpose", "date",
                                       "zones", "components", "exposed_services", "controls",
                                       "people", "network_diagram", NULL};

static bool in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const t[] = {"yes", "true", "on", "y", NULL};
    static const char *const f[] = {"no", "false", "off", "n", NULL};
    for (int i = 0; t[i]; i++)
        if (strcasecmp(s, t[i]) == 0) {
            *out = true;
            return true;
        }
    for (int i = 0; f[i]; i++)
        if (strcasecmp(s, f[i]) == 0) {
            *out = false;
            return true;
        }
    return false;
}

static bool parse_int(const char *s, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (errno || e == s || *e)
        return false;
    *out = v;
    return true;
}

static bool parse_date(const char *s)
{
    /* YYYY-MM-DD */
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int m = atoi(s + 5), d = atoi(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int check_value(const char *file, const char *field, const vg_yt *v, char type, char *errbuf)
{
    if (v->type != VG_YT_SCALAR)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected a value, not a %s", file, v->line,
                      field, v->type == VG_YT_MAP ? "mapping" : "list");
    bool b;
    long l;
    switch (type) {
    case T_BOOL:
        if (!parse_bool(v->value, &b))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected yes or no, got '%.60s'", file,
                          v->line, field, v->value);
        break;
    case T_INT:
        if (!parse_int(v->value, &l) || l < 0)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected a whole number, got '%.60s'",
                          file, v->line, field, v->value);
        break;
    case T_DATE:
        if (!parse_date(v->value))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected a date YYYY-MM-DD, got '%.60s'",
                          file, v->line, field, v->value);
        break;
    default:
        break;
    }
    return VG_OK;
}

static int check_list(const char *file, const vg_yt *doc, const char *key, const char *const *fields,
                      const char *required, char *errbuf)
{
    const vg_yt *l = vg_yt_get(doc, key);
    if (!l)
        return VG_OK;
    if (l->type != VG_YT_SEQ)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected a list", file, l->line, key);
    size_t i = 0;
    for (const vg_yt *it = l->child; it; it = it->next, i++) {
        if (it->type != VG_YT_MAP)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s[%zu]: expected a mapping", file, it->line, key, i);
        for (const vg_yt *f = it->child; f; f = f->next) {
            if (!in_list(fields, f->key))
                return vg_err(errbuf, VG_EINVAL, "%s:%d: %s[%zu].%s: unknown field", file, f->line,
                              key, i, f->key);
            char field[128];
            snprintf(field, sizeof field, "%s[%zu].%s", key, i, f->key);
            int rc = check_value(file, field, f, strcmp(f->key, "port") == 0 ? T_INT
                                                 : strcmp(f->key, "internet") == 0 ? T_BOOL : T_STR,
                                 errbuf);
            if (rc != VG_OK)
                return rc;
        }
        if (required && !vg_yt_str(it, required))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s[%zu].%s: missing", file, it->line, key, i,
                          required);
    }
    return VG_OK;
}

static const struct ctrl_schema *find_ctrl(const char *name)
{
    for (const struct ctrl_schema *c = controls; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int validate(vg_appraisal *a, const char *file, char *errbuf)
{
    const vg_yt *d = a->doc;
    if (!d || d->type != VG_YT_MAP)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: expected a mapping (system, owner, level, ...)", file,
                      d ? d->line : 1);
    for (const vg_yt *k = d->child; k; k = k->next)
        if (!in_list(top_keys, k->key))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: unknown field", file, k->line, k->key);
    const char *req[] = {"system", "owner", "level"};
    for (int i = 0; i < 3; i++) {
        const vg_yt *v = vg_yt_get(d, req[i]);
        if (!v)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: missing", file, d->line, req[i]);
        int rc = check_value(file, req[i], v, i == 2 ? T_INT : T_STR, errbuf);
        if (rc != VG_OK)
            return rc;
    }
    const vg_yt *lv = vg_yt_get(d, "level");
    long level;
    if (!parse_int(lv->value, &level) || level < 1 || level > 5)
        return vg_err(errbuf, VG_EINVAL, "%s:%d: level: expected 1 to 5, got '%.20s'", file, lv->line,
                      lv->value);
    a->dossier_level = (int)level;
    static const char *const zone_f[] = {"name", "role", "subnet", "notes", NULL};
    static const char *const comp_f[] = {"name", "role", "zone", "os", "software", "notes", NULL};
    static const char *const svc_f[] = {"name", "port", "protocol", "zone", "component", "internet",
                                        "notes", NULL};
    static const char *const ppl_f[] = {"name", "role", "title", "phone", "email", NULL};
    int rc;
    if ((rc = check_list(file, d, "zones", zone_f, "name", errbuf)) != VG_OK ||
        (rc = check_list(file, d, "components", comp_f, "name", errbuf)) != VG_OK ||
        (rc = check_list(file, d, "exposed_services", svc_f, "name", errbuf)) != VG_OK ||
        (rc = check_list(file, d, "people", ppl_f, "role", errbuf)) != VG_OK)
        return rc;
    a->people = vg_yt_get(d, "people");
    for (const vg_yt *p = a->people ? a->people->child : NULL; p; p = p->next) {
        const vg_yt *r = vg_yt_get(p, "role");
        if (!in_list(people_roles, r->value))
            return vg_err(errbuf, VG_EINVAL, "%s:%d: people[].role: unknown role '%.40s'", file,
                          r->line, r->value);
    }
    a->zones = vg_yt_get(d, "zones");
    a->services = vg_yt_get(d, "exposed_services");
    a->diagram = vg_yt_get(d, "network_diagram");
    if (a->diagram) {
        if (a->diagram->type != VG_YT_MAP)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: network_diagram: expected a mapping with evidence",
                          file, a->diagram->line);
        for (const vg_yt *f = a->diagram->child; f; f = f->next)
            if (strcmp(f->key, "evidence") != 0 && strcmp(f->key, "updated") != 0)
                return vg_err(errbuf, VG_EINVAL, "%s:%d: network_diagram.%s: unknown field", file,
                              f->line, f->key);
    }
    a->controls = vg_yt_get(d, "controls");
    if (a->controls) {
        if (a->controls->type != VG_YT_MAP)
            return vg_err(errbuf, VG_EINVAL, "%s:%d: controls: expected a mapping", file,
                          a->controls->line);
        for (const vg_yt *c = a->controls->child; c; c = c->next) {
            const struct ctrl_schema *s = find_ctrl(c->key);
            char field[128];
            snprintf(field, sizeof field, "controls.%s", c->key);
            if (!s)
                return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: unknown control", file, c->line, field);
            if (c->type == VG_YT_SCALAR) {
                if ((rc = check_value(file, field, c, T_BOOL, errbuf)) != VG_OK)
                    return rc;
                continue;
            }
            if (c->type != VG_YT_MAP)
                return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: expected yes/no or a mapping", file,
                              c->line, field);
            for (const vg_yt *f = c->child; f; f = f->next) {
                char type = 0;
                for (const struct attr *at = common_attrs; at->name; at++)
                    if (strcmp(at->name, f->key) == 0)
                        type = at->type;
                for (const struct attr *at = s->attrs; !type && at->name; at++)
                    if (strcmp(at->name, f->key) == 0)
                        type = at->type;
                snprintf(field, sizeof field, "controls.%s.%s", c->key, f->key);
                if (!type)
                    return vg_err(errbuf, VG_EINVAL, "%s:%d: %s: unknown field", file, f->line, field);
                if ((rc = check_value(file, field, f, type, errbuf)) != VG_OK)
                    return rc;
            }
        }
    }
    return VG_OK;
}

/* ------------------------------------------------------------------ */
/* evaluation                                                          */

static const vg_yt *ctrl(const vg_appraisal *a, const char *name)
{
    return vg_yt_get(a->controls, name);
}

/* present: a scalar yes, or a mapping whose `present` is not "no". */
static bool ctrl_present(const vg_yt *c)
{
    bool b = false;
    if (!c)
        return false;
    if (c->type == VG_YT_SCALAR)
        return parse_bool(c->value, &b) && b;
    const char *p = vg_yt_str(c, "present");
    if (p)
        return parse_bool(p, &b) && b;
    return true;
}

static const char *ctrl_evidence(const vg_yt *c)
{
    const char *e = c && c->type == VG_YT_MAP ? vg_yt_str(c, "evidence") : NULL;
    return e && *e ? e : NULL;
}

static void set(vg_appr_item *it, int st, const char *fmt, ...) VG_PRINTF(3, 4);
static void set(vg_appr_item *it, int st, const char *fmt, ...)
{
    it->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof it->detail, fmt, ap);
    va_end(ap);
}

static void with_evidence(vg_appr_item *it, const vg_yt *c, const char *what)
{
    const char *e = ctrl_evidence(c);
    if (e)
        set(it, VG_APPR_MET, "%s; evidence: %.150s", what, e);
    else
        set(it, VG_APPR_EVIDENCE, "%s; no evidence given", what);
}

static bool role_named(const vg_appraisal *a, const char *role, const char **who)
{
    for (const vg_yt *p = a->people ? a->people->child : NULL; p; p = p->next)
        if (strcmp(vg_yt_str(p, "role"), role) == 0 && vg_yt_str(p, "name")) {
            *who = vg_yt_str(p, "name");
            return vg_yt_str(p, "phone") || vg_yt_str(p, "email");
        }
    *who = NULL;
    return false;
}

static bool has_web(const vg_appraisal *a)
{
    for (const vg_yt *s = a->services ? a->services->child : NULL; s; s = s->next) {
        const char *port = vg_yt_str(s, "port"), *name = vg_yt_str(s, "name");
        const char *proto = vg_yt_str(s, "protocol");
        if ((port && (strcmp(port, "80") == 0 || strcmp(port, "443") == 0 || strcmp(port, "8443") == 0)) ||
            (name && (strncasecmp(name, "http", 4) == 0 || strcasestr(name, "web"))) ||
            (proto && strncasecmp(proto, "http", 4) == 0))
            return true;
    }
    return false;
}

static void evaluate(vg_appraisal *a, const struct req *r, vg_appr_item *it)
{
    int L = a->level;
    const vg_yt *c = r->path ? ctrl(a, r->path) : NULL;
    switch (r->kind) {
    case RQ_DOSSIER:
        set(it, VG_APPR_MET, "system '%.60s', owner '%.60s', level %d", a->system, a->owner,
            a->dossier_level);
        return;
    case RQ_DIAGRAM: {
        const char *e = a->diagram ? vg_yt_str(a->diagram, "evidence") : NULL;
        if (!a->diagram)
            set(it, VG_APPR_MISSING, "no network_diagram");
        else if (!e || !*e)
            set(it, VG_APPR_EVIDENCE, "network_diagram has no evidence");
        else
            set(it, VG_APPR_MET, "evidence: %.150s", e);
        return;
    }
    case RQ_ZONES: {
        size_t n = a->zones ? a->zones->n : 0;
        int need = r->thr[L];
        bool db = false, mgmt = false;
        for (const vg_yt *z = a->zones ? a->zones->child : NULL; z; z = z->next) {
            const char *role = vg_yt_str(z, "role");
            const char *name = vg_yt_str(z, "name");
            const char *k = role ? role : name;
            if (k && strcasestr(k, "database"))
                db = true;
            if (k && strcasestr(k, "management"))
                mgmt = true;
        }
        if ((int)n < need)
            set(it, VG_APPR_MISSING, "%zu zones declared, level %d needs %d", n, L, need);
        else if (L >= 3 && (!db || !mgmt))
            set(it, VG_APPR_MISSING, "%zu zones, but no %s%s%s zone", n, db ? "" : "database",
                !db && !mgmt ? " or " : "", mgmt ? "" : "management");
        else if (!a->diagram || !vg_yt_str(a->diagram, "evidence"))
            set(it, VG_APPR_EVIDENCE, "%zu zones declared; the network diagram evidence is missing", n);
        else
            set(it, VG_APPR_MET, "%zu zones declared (level %d needs %d)", n, L, need);
        return;
    }
    case RQ_PEOPLE: {
        const char *who;
        bool contact = role_named(a, r->path, &who);
        if (!who)
            set(it, VG_APPR_MISSING, "nobody with role %s in people", r->path);
        else if (!contact)
            set(it, VG_APPR_EVIDENCE, "%.80s named as %s, without phone or email", who, r->path);
        else
            set(it, VG_APPR_MET, "%.80s (%s)", who, r->path);
        return;
    }
    case RQ_WAF:
        if (!has_web(a)) {
            set(it, VG_APPR_MET, "no web service exposed (exposed_services)");
            return;
        }
        /* fall through */
    case RQ_CTRL:
        if (!ctrl_present(c))
            set(it, VG_APPR_MISSING, "controls.%s not planned", r->path);
        else
            with_evidence(it, c, r->path);
        return;
    case RQ_ATTR:
    case RQ_ATTR_EQ: {
        const char *v = c && c->type == VG_YT_MAP ? vg_yt_str(c, r->attr) : NULL;
        bool ok = false, b;
        if (v && r->kind == RQ_ATTR_EQ)
            ok = strcasecmp(v, r->value) == 0;
        else if (v && parse_date(v))
            ok = true;
        else if (v)
            ok = parse_bool(v, &b) && b;
        if (!ctrl_present(c))
            set(it, VG_APPR_MISSING, "controls.%s not planned", r->path);
        else if (!ok)
            set(it, VG_APPR_MISSING, "controls.%s.%s %s%s%s", r->path, r->attr,
                v ? "is '" : "not set", v ? v : "", v ? "'" : "");
        else {
            char what[128];
            snprintf(what, sizeof what, "%s.%s = %.40s", r->path, r->attr, v);
            with_evidence(it, c, what);
        }
        return;
    }
    case RQ_MIN:
    case RQ_MAX: {
        const char *v = c && c->type == VG_YT_MAP ? vg_yt_str(c, r->attr) : NULL;
        long n = 0;
        int t = r->thr[L];
        if (!ctrl_present(c) || !v || !parse_int(v, &n)) {
            set(it, VG_APPR_MISSING, "controls.%s.%s not set (level %d: %s %d)", r->path, r->attr, L,
                r->kind == RQ_MIN ? "at least" : "at most", t);
            return;
        }
        bool ok = r->kind == RQ_MIN ? n >= t : (n > 0 && n <= t);
        if (!ok) {
            set(it, VG_APPR_MISSING, "controls.%s.%s = %ld, level %d needs %s %d", r->path, r->attr, n,
                L, r->kind == RQ_MIN ? "at least" : "at most", t);
            return;
        }
        char what[128];
        snprintf(what, sizeof what, "%s.%s = %ld (level %d: %s %d)", r->path, r->attr, n, L,
                 r->kind == RQ_MIN ? ">=" : "<=", t);
        with_evidence(it, c, what);
        return;
    }
    }
}

static int finish(vg_appraisal *a, const char *name, int level_override, char *errbuf)
{
    int rc = validate(a, name, errbuf);
    if (rc != VG_OK)
        return rc;
    a->system = strdup(vg_yt_str(a->doc, "system"));
    a->owner = strdup(vg_yt_str(a->doc, "owner"));
    a->level = a->dossier_level;
    if (level_override) {
        if (level_override < 1 || level_override > 5)
            return vg_err(errbuf, VG_EINVAL, "--level: expected 1 to 5");
        if (level_override != a->dossier_level) {
            snprintf(a->warning, sizeof a->warning,
                     "level %d requested; the dossier proposes level %d", level_override,
                     a->dossier_level);
            a->has_warning = true;
        }
        a->level = level_override;
    }
    a->items = calloc(NREQS, sizeof(vg_appr_item));
    if (!a->items || !a->system || !a->owner)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (size_t i = 0; i < NREQS; i++) {
        const struct req *r = &reqs[i];
        if (r->min_level > a->level)
            continue;
        vg_appr_item *it = &a->items[a->n++];
        it->id = r->id;
        it->control = r->control;
        it->group = r->group;
        it->title = r->en;
        it->title_vi = r->vi;
        it->reference = r->ref;
        it->min_level = r->min_level;
        evaluate(a, r, it);
    }
    return VG_OK;
}

int vg_appr_load_buffer(const char *buf, size_t len, const char *name, int level_override,
                        vg_appraisal **out, char *errbuf)
{
    *out = NULL;
    vg_appraisal *a = calloc(1, sizeof(*a));
    if (!a)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = vg_yt_parse(buf, len, name, &a->doc, errbuf);
    if (rc == VG_OK)
        rc = finish(a, name, level_override, errbuf);
    if (rc != VG_OK) {
        vg_appr_free(a);
        return rc;
    }
    *out = a;
    return VG_OK;
}

int vg_appr_load(const char *path, int level_override, vg_appraisal **out, char *errbuf)
{
    char *buf;
    size_t len;
    *out = NULL;
    int rc = vg_read_file(path, VG_YT_MAX_BYTES, &buf, &len);
    if (rc != VG_OK)
        return vg_err(errbuf, rc, "%s: cannot read: %s", path,
                      rc == VG_ELIMIT ? "too large" : strerror(errno));
    rc = vg_appr_load_buffer(buf, len, path, level_override, out, errbuf);
    free(buf);
    return rc;
}

void vg_appr_free(vg_appraisal *a)
{
    if (!a)
        return;
    vg_yt_free(a->doc);
    free(a->items);
    free(a->system);
    free(a->owner);
    free(a);
}

int vg_appr_level(const vg_appraisal *a) { return a->level; }
int vg_appr_dossier_level(const vg_appraisal *a) { return a->dossier_level; }
const char *vg_appr_system(const vg_appraisal *a) { return a->system; }
const char *vg_appr_owner(const vg_appraisal *a) { return a->owner; }
const char *vg_appr_warning(const vg_appraisal *a) { return a->has_warning ? a->warning : NULL; }
size_t vg_appr_count(const vg_appraisal *a) { return a->n; }
const vg_appr_item *vg_appr_item_at(const vg_appraisal *a, size_t i) { return i < a->n ? &a->items[i] : NULL; }

void vg_appr_counts(const vg_appraisal *a, size_t *met, size_t *missing, size_t *evidence)
{
    *met = *missing = *evidence = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i].status == VG_APPR_MET)
            (*met)++;
        else if (a->items[i].status == VG_APPR_MISSING)
            (*missing)++;
        else
            (*evidence)++;
    }
}

const char *vg_appr_status_name(int s)
{
    return s == VG_APPR_MET ? "met" : s == VG_APPR_MISSING ? "missing" : "needs evidence";
}

void vg_appr_json(vg_jb *jb, const vg_appraisal *a)
{
    size_t met, missing, ev;
    vg_appr_counts(a, &met, &missing, &ev);
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "system", a->system);
    vg_jb_str(jb, "owner", a->owner);
    vg_jb_u64(jb, "level", (uint64_t)a->level);
    vg_jb_u64(jb, "dossier_level", (uint64_t)a->dossier_level);
    if (a->has_warning)
        vg_jb_str(jb, "warning", a->warning);
    vg_jb_open_obj(jb, "summary");
    vg_jb_u64(jb, "requirements", a->n);
    vg_jb_u64(jb, "met", met);
    vg_jb_u64(jb, "missing", missing);
    vg_jb_u64(jb, "needs_evidence", ev);
    vg_jb_close_obj(jb);
    vg_jb_open_arr(jb, "requirements");
    for (size_t i = 0; i < a->n; i++) {
        const vg_appr_item *it = &a->items[i];
        vg_jb_open_obj(jb, NULL);
        vg_jb_str(jb, "id", it->id);
        vg_jb_str(jb, "control", it->control);
        vg_jb_str(jb, "group", it->group);
        vg_jb_u64(jb, "min_level", (uint64_t)it->min_level);
        vg_jb_str(jb, "title", it->title);
        vg_jb_str(jb, "title_vi", it->title_vi);
        vg_jb_str(jb, "status", vg_appr_status_name(it->status));
        vg_jb_str(jb, "detail", it->detail);
        vg_jb_str(jb, "reference", it->reference);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_arr(jb);
    vg_jb_close_obj(jb);
}

int vg_appr_html(const vg_appraisal *a, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return VG_EIO;
    size_t met, missing, ev;
    vg_appr_counts(a, &met, &missing, &ev);
    vg_html_begin(fp, "Thẩm định hồ sơ thiết kế / Design dossier appraisal");
    fputs("<h1>Tự đánh giá hồ sơ thiết kế trước thẩm định <span class=\"en\">/ Design dossier "
          "self-assessment before appraisal</span></h1>\n<p><b>",
          fp);
    vg_html_text(fp, a->system);
    fputs("</b> &mdash; ", fp);
    vg_html_text(fp, a->owner);
    fprintf(fp, "<br>Cấp độ / Level: <b>%d</b>", a->level);
    if (a->has_warning) {
        fputs(" <span class=\"evidence\">(", fp);
        vg_html_text(fp, a->warning);
        fputs(")</span>", fp);
    }
    fputs("</p>\n<div class=\"summary\">", fp);
    fprintf(fp, "<div class=\"card\"><b class=\"met\">%zu</b>Đáp ứng <span class=\"en\">met</span></div>", met);
    fprintf(fp, "<div class=\"card\"><b class=\"missing\">%zu</b>Chưa có <span class=\"en\">missing</span></div>", missing);
    fprintf(fp, "<div class=\"card\"><b class=\"evidence\">%zu</b>Cần bằng chứng <span class=\"en\">needs evidence</span></div>", ev);
    fputs("</div>\n", fp);
    static const char *const groups[] = {"network", "host", "application", "data", "management"};
    static const char *const groups_vi[] = {"Mạng", "Máy chủ", "Ứng dụng", "Dữ liệu", "Quản lý"};
    const char *labels[5];
    int vals[5];
    for (int g = 0; g < 5; g++) {
        size_t tot = 0, ok = 0;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->items[i].group, groups[g]) == 0) {
                tot++;
                ok += a->items[i].status == VG_APPR_MET;
            }
        labels[g] = groups_vi[g];
        vals[g] = tot ? (int)(ok * 100 / tot) : -1;
    }
    fputs("<h2>Mức đáp ứng theo nhóm <span class=\"en\">/ Met by group</span></h2>\n", fp);
    vg_html_bars(fp, labels, vals, 5);
    fputs("<h2>Yêu cầu <span class=\"en\">/ Requirements</span></h2>\n<table><tr><th>ID</th>"
          "<th>Yêu cầu / Requirement</th><th>Cấp / Level</th><th>Kết quả / Status</th>"
          "<th>Chi tiết / Detail</th><th>Căn cứ / Reference</th></tr>\n",
          fp);
    for (size_t i = 0; i < a->n; i++) {
        const vg_appr_item *it = &a->items[i];
        const char *cls = it->status == VG_APPR_MET ? "met" : it->status == VG_APPR_MISSING ? "missing" : "evidence";
        fputs("<tr><td>", fp);
        vg_html_text(fp, it->id);
        fputs("</td><td>", fp);
        vg_html_text(fp, it->title_vi);
        fputs("<br><span class=\"en\">", fp);
        vg_html_text(fp, it->title);
        fprintf(fp, "</span></td><td>%d+</td><td class=\"%s\">%s</td><td>", it->min_level, cls,
                vg_appr_status_name(it->status));
        vg_html_text(fp, it->detail);
        fputs("</td><td>", fp);
        vg_html_text(fp, it->reference);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n<p class=\"en\">Thresholds marked [T14423] come from a secondary summary of "
          "TCVN 14423:2026 and are unverified; (recall) marks figures from memory of TCVN "
          "11930:2017. This self-assessment does not replace the appraisal by the competent "
          "authority.</p>\n",
          fp);
    vg_html_end(fp);
    return fclose(fp) == 0 ? VG_OK : VG_EIO;
}
