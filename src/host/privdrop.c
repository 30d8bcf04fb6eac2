/* privdrop.c: root to an unprivileged user, keeping read access (see privdrop.h). */
#include "host/privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

/* path (not followed if a symlink) and, for a directory, its direct entries */
static int give(const char *path, uid_t uid, gid_t gid, char *errbuf)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? VG_OK : vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return VG_OK;
    if (lchown(path, uid, gid) != 0)
        return vg_err(errbuf, VG_EIO, "cannot give %s to uid %u: %s", path, (unsigned)uid, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return VG_OK;
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
    }
    int rc = VG_OK;
    for (struct dirent *e; rc == VG_OK && (e = readdir(d));) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        struct stat es;
        if (fstatat(dfd, e->d_name, &es, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(es.st_mode) &&
            fchownat(dfd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
            rc = vg_err(errbuf, VG_EIO, "cannot give %s/%s to uid %u: %s", path, e->d_name, (unsigned)uid,
                        strerror(errno));
    }
    closedir(d);
    return rc;
}

int vg_host_drop_privileges(const char *user, const char *group, const char *const *own, char *errbuf)
{
    if (geteuid() != 0 || !user || (strcmp(user, "root") == 0 && (!group || strcmp(group, "root") == 0)))
        return VG_OK;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return vg_err(errbuf, VG_EINVAL, "--user %s: no such user", user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr)
            return vg_err(errbuf, VG_EINVAL, "--group %s: no such group", group);
        gid = gr->gr_gid;
    }
    for (int i = 0; own && own[i]; i++) {
        int rc = give(own[i], uid, gid, errbuf);
        if (rc < 0)
            return rc;
    }
    if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 || setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
        setuid(uid) != 0)
        return vg_err(errbuf, VG_EIO, "cannot drop privileges to %s: %s", user, strerror(errno));
    /* of root's capabilities only CAP_DAC_READ_SEARCH stays (this thread; the
     * process is single-threaded here, later threads inherit it) */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    data[0].effective = data[0].permitted = 1u << CAP_DAC_READ_SEARCH;
    if (syscall(SYS_capset, &hdr, data) != 0)
        return vg_err(errbuf, VG_EIO, "cannot restrict capabilities: %s", strerror(errno));
    if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
        return vg_err(errbuf, VG_EIO, "prctl: %s", strerror(errno));
    if (setuid(0) == 0 || (gid != 0 && setgid(0) == 0))
        return vg_err(errbuf, VG_EIO, "privileges were not dropped (could regain root)");
    vg_info("vigil host: running as %s (uid %u, gid %u), keeping CAP_DAC_READ_SEARCH", user, (unsigned)uid,
            (unsigned)gid);
    return VG_OK;
}
