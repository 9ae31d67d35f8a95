/* SPDX-License-Identifier: MIT */
/*
 * cli.c: options, subcommands, output files, progress and exit statuses.
 *
 * One sorted table of options (bsdtar's cmdline.c, curl's getparam) fills
 * one options struct; combinations are checked before any work starts.
 * Output goes to a temporary file beside -o FILE and is renamed into place
 * only when complete; on an error or a signal the temporary file is removed
 * (zstd's "artefact" handler), so no partial report is ever left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "candidates.h"
#include "cli.h"
#include "diff.h"
#include "limits.h"
#include "policy.h"
#include "report.h"
#include "scan.h"
#include "scan_html.h"
#include "store.h"

enum format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_MD };

struct options {
	const char *image;
	const char *package;		/* why: the package asked about */
	int why;
	int diff;			/* diff: image is OLD, image2 NEW */
	const char *image2;
	const char *bandwidth;		/* diff --bandwidth */
	int scan;			/* scan: IMAGE is the registry */
	const char *db, *repo_glob, *tag_glob, *html_dir;
	unsigned shard_k, shard_n;
	uint16_t target_sm[16];		/* --target-arch */
	const char *kb_extra[32];	/* --kb-extra, in order */
	const char *policy;		/* --policy FILE */
	const char *output;
	enum format format;
	size_t top;
	int quiet;
	struct audit_options audit;
};

enum opt_id {
	OPT_BANDWIDTH, OPT_CREDS, OPT_DB, OPT_FORMAT, OPT_HELP, OPT_HTML_DIR, OPT_JOBS,
	OPT_LIMIT,	/* --max-*: limits_parse() knows them by name */
	OPT_OUTPUT, OPT_PLATFORM, OPT_QUIET, OPT_REPO, OPT_SHARD, OPT_TAG,
	OPT_TARGET_ARCH, OPT_TLS_VERIFY, OPT_TOP, OPT_KB_EXTRA, OPT_POLICY,
	OPT_PROFILE, OPT_INFLATE, OPT_VERIFY
};

/* Please keep this sorted by name. */
static const struct option_def {
	const char *name;
	char short_name;
	int has_arg;
	enum opt_id id;
} option_table[] = {
	{ "bandwidth", 0, 1, OPT_BANDWIDTH },
	{ "creds", 0, 1, OPT_CREDS },
	{ "db", 0, 1, OPT_DB },
	{ "format", 'f', 1, OPT_FORMAT },
	{ "help", 'h', 0, OPT_HELP },
	{ "html-dir", 0, 1, OPT_HTML_DIR },
	{ "inflate", 0, 1, OPT_INFLATE },
	{ "jobs", 'j', 1, OPT_JOBS },
	{ "kb-extra", 0, 1, OPT_KB_EXTRA },
	{ "max-entries", 0, 1, OPT_LIMIT },
	{ "max-json", 0, 1, OPT_LIMIT },
	{ "max-path", 0, 1, OPT_LIMIT },
	{ "max-pkgdb", 0, 1, OPT_LIMIT },
	{ "max-ratio", 0, 1, OPT_LIMIT },
	{ "output", 'o', 1, OPT_OUTPUT },
	{ "platform", 0, 1, OPT_PLATFORM },
	{ "policy", 0, 1, OPT_POLICY },
	{ "profile", 0, 1, OPT_PROFILE },
	{ "quiet", 'q', 0, OPT_QUIET },
	{ "repo", 0, 1, OPT_REPO },
	{ "shard", 0, 1, OPT_SHARD },
	{ "tag", 0, 1, OPT_TAG },
	{ "target-arch", 0, 1, OPT_TARGET_ARCH },
	{ "tls-verify", 0, 1, OPT_TLS_VERIFY },
	{ "top", 0, 1, OPT_TOP },
	{ "verify", 0, 1, OPT_VERIFY },
};

static const char usage_text[] =
"usage: imgaudit audit IMAGE [options]\n"
"       imgaudit why IMAGE [ECOSYSTEM:]PACKAGE [options]\n"
"       imgaudit diff OLD NEW [--format text|json|md|html] [-o FILE]\n"
"                     [--bandwidth 100Mbit] [options]\n"
"       imgaudit scan docker://HOST[:PORT] --db FILE [--repo GLOB] [--tag GLOB]\n"
"                     [--shard K/N] [--html-dir DIR] [--jobs N] [--creds U:P]\n"
"                     [--tls-verify=false]\n"
"       imgaudit history --db FILE [REPO[:TAG]] [--html-dir DIR]\n"
"       imgaudit merge OUT.db IN.db...\n"
"       imgaudit kb list|dump|show NAME [--kb-extra FILE.sql]...\n"
"       imgaudit version\n"
"\n"
"IMAGE is docker-archive:PATH[:NAME:TAG|:@N], oci-archive:PATH[:REF],\n"
"oci:DIR[:REF], docker://HOST[:PORT]/REPO[:TAG|@DIGEST], or a bare path\n"
"(the format is detected).\n"
"\n"
"options for audit:\n"
"  -f, --format FMT        text (default), json, html (one page to share) or md\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"      --top N              rows in the largest/wasted lists (default 10)\n"
"      --platform OS/ARCH   image of a multi-platform index (linux/amd64)\n"
"  -j, --jobs N             layers read at once (default: number of cores)\n"
"      --max-ratio N        refuse layers that inflate more than N:1 once\n"
"                           past 256 MB (default 100)\n"
"      --max-entries N      refuse a layer of more than N entries\n"
"                           (default 2000000)\n"
"      --max-path BYTES     an entry name longer is not placed; a finding\n"
"                           (default 4096, at most 32768)\n"
"      --max-json SIZE      refuse a manifest, index or config larger than\n"
"                           SIZE (default 64MiB; SIZE is bytes, or with\n"
"                           kB, MB, GB, KiB, MiB, GiB; at most 1GiB)\n"
"      --max-pkgdb SIZE     a package-database file larger is not read; a\n"
"                           finding (default 64MiB, at most 1GiB)\n"
"      --verify blob|full|none  check each blob's sha256 (blob, the default),\n"
"                           the uncompressed tar's (diff_id) too, or nothing\n"
"      --inflate isal|zlib  gzip by isa-l (default) or libarchive's zlib\n"
"      --db FILE            keep layer results in FILE (a scan database) and\n"
"                           read no layer it already holds\n"
"  -q, --quiet              no progress bar\n"
"      --profile inference|training\n"
"                           what counts as removable (default inference)\n"
"      --kb-extra FILE.sql  add or override knowledge-base rules (repeatable)\n"
"      --policy FILE        fail (exit 1) when the image breaks the policy\n"
"                           (imgaudit JSON, or dive's .dive-ci)\n"
"      --creds USER:PASS    docker://: registry credentials (else\n"
"                           REGISTRY_AUTH_FILE or ~/.docker/config.json)\n"
"      --tls-verify=false   docker://: accept a registry without a trusted\n"
"                           certificate (or plain HTTP)\n"
"      --target-arch sm_XX[,sm_YY]  the GPUs you run: GPU code for the\n"
"                           others is reported as removable\n"
"\n"
"why: the package's size and files, who requires it, and what uninstalling\n"
"it frees (as apt or pip-autoremove decide) with the command that does it.\n"
"ECOSYSTEM is dpkg, pip, conda, apk or npm, when a name is in several.\n"
"Takes --format, -o, --platform, --jobs, --max-*, --quiet.\n"
"\n"
"diff: audit OLD then NEW and compare them: layers shared and re-pulled,\n"
"files, packages and candidates added or gone, pull time at --bandwidth\n"
"(default 100Mbit; also 1Gbit, 50MB/s) and the layer order the changes\n"
"support (docs/diff.md).  Takes the audit options but --policy.\n"
"\n"
"scan: each image read with the audit's --jobs, --platform, --top and\n"
"--max-* limits.\n"
"\n"
"exit status: 0 ok, 1 policy failed, 2 usage or input error, 3 internal error\n"
"docs: docs/usage.md, docs/report-schema.md, docs/metrics.md\n";

/* The temporary output file, removed if a signal ends the run. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_live;

static void
on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "imgaudit: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'imgaudit --help')\n");
	return IA_EINPUT;
}

/*
 * An error is one line, whatever the image put in the names it quotes:
 * control characters are printed as \xNN (bsdtar's safe_fprintf).
 */
static void
print_error(const char *msg)
{
	const unsigned char *p;

	fputs("imgaudit: ", stderr);
	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

static int
parse_long(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "sm_90,sm_80" (also "90", "9.0", "compute_90") into o->target_sm. */
static int
parse_target_arch(const char *val, struct options *o)
{
	const char *p = val;
	size_t n = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char item[32], *q = item, *end;
		long v;

		if (len == 0 || len >= sizeof(item) ||
		    n == sizeof(o->target_sm) / sizeof(o->target_sm[0]))
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (strncmp(q, "sm_", 3) == 0)
			q += 3;
		else if (strncmp(q, "compute_", 8) == 0)
			q += 8;
		v = strtol(q, &end, 10);
		if (*end == '.' && end[1] >= '0' && end[1] <= '9' &&
		    end[2] == '\0' && v < 100) {
			v = v * 10 + (end[1] - '0');
			end += 2;
		}
		/* sm_90a: the "a" variant runs the same SASS family. */
		if (*end == 'a' || *end == 'f')
			end++;
		if (end == q || *end != '\0' || v < 10 || v > 299)
			return -1;
		o->target_sm[n++] = (uint16_t)v;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return -1;
	o->audit.link.target_sm = o->target_sm;
	o->audit.link.n_target_sm = n;
	return 0;
}

static const struct option_def *
find_option(const char *arg, const char **value)
{
	size_t i;

	*value = NULL;
	if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0') {
		for (i = 0; i < sizeof(option_table) / sizeof(*option_table); i++)
			if (option_table[i].short_name == arg[1]) {
				if (arg[2] != '\0')
					*value = arg + 2;
				return &option_table[i];
			}
		return NULL;
	}
	for (i = 0; i < sizeof(option_table) / sizeof(*option_table); i++) {
		size_t n = strlen(option_table[i].name);

		if (strncmp(arg + 2, option_table[i].name, n) == 0 &&
		    (arg[2 + n] == '\0' || arg[2 + n] == '=')) {
			if (arg[2 + n] == '=')
				*value = arg + 3 + n;
			return &option_table[i];
		}
	}
	return NULL;
}

/* The words of --profile, --inflate and --verify, in their enums' order. */
static const char *const profile_words[] = { "inference", "training", NULL };
static const char *const inflate_words[] = { "isal", "zlib", NULL };
static const char *const verify_words[] = { "full", "blob", "none", NULL };

/* The index of val in words (NULL-terminated), or -1. */
static int
choice(const char *val, const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(val, words[i]) == 0)
			return i;
	return -1;
}

static int
parse_audit(int argc, char **argv, struct options *o)
{
	int i, w;
	long long v;

	/* Defaults shared by audit, why, diff and scan. */
	o->top = 10;
	o->audit.source.platform = "linux/amd64";
	limits_default(&o->audit.limits);
	o->audit.inflate = INFLATE_ISAL;
	o->audit.verify = VERIFY_BLOB;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *val;
		const struct option_def *d;

		if (arg[0] != '-' || arg[1] == '\0') {
			if (o->image == NULL)
				o->image = arg;
			else if (o->why && o->package == NULL)
				o->package = arg;
			else if (o->diff && o->image2 == NULL)
				o->image2 = arg;
			else
				return usage_error("one IMAGE only (got a second: "
				    "'%s')", arg);
			continue;
		}
		d = find_option(arg, &val);
		if (d == NULL)
			return usage_error("unknown option '%s'", arg);
		if (d->has_arg && val == NULL) {
			if (i + 1 >= argc)
				return usage_error("option '%s' needs a value",
				    arg);
			val = argv[++i];
		}
		switch (d->id) {
		case OPT_BANDWIDTH:
			o->bandwidth = val;
			break;
		case OPT_CREDS:
			if (strchr(val, ':') == NULL)
				return usage_error("%s", "--creds takes USER:PASS");
			o->audit.source.creds = val;
			break;
		case OPT_TLS_VERIFY:
			if (strcmp(val, "false") == 0)
				o->audit.source.tls_no_verify = 1;
			else if (strcmp(val, "true") == 0)
				o->audit.source.tls_no_verify = 0;
			else
				return usage_error("--tls-verify takes true or "
				    "false, not '%s'", val);
			break;
		case OPT_DB:
			o->db = val;
			break;
		case OPT_HTML_DIR:
			o->html_dir = val;
			break;
		case OPT_REPO:
			o->repo_glob = val;
			break;
		case OPT_TAG:
			o->tag_glob = val;
			break;
		case OPT_SHARD: {
			unsigned k, n;
			char c;

			if (sscanf(val, "%u/%u%c", &k, &n, &c) != 2 || n == 0 ||
			    n > 100000 || k == 0 || k > n)
				return usage_error("--shard takes K/N with 1 <= K "
				    "<= N, e.g. 3/8, not '%s'", val);
			o->shard_k = k;
			o->shard_n = n;
			break;
		}
		case OPT_FORMAT:
			if (strcmp(val, "text") == 0)
				o->format = FMT_TEXT;
			else if (strcmp(val, "json") == 0)
				o->format = FMT_JSON;
			else if ((strcmp(val, "html") == 0 ||
			    strcmp(val, "md") == 0) && o->why)
				return usage_error("why writes text or json, not "
				    "%s", val);
			else if (strcmp(val, "html") == 0)
				o->format = FMT_HTML;
			else if (strcmp(val, "md") == 0)
				o->format = FMT_MD;
			else
				return usage_error("unknown format '%s' (text, "
				    "json, html or md)", val);
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return -1;
		case OPT_JOBS:
			if (parse_long(val, 1, 64, &v) != 0)
				return usage_error("--jobs takes a number from 1 "
				    "to 64, not '%s'", val);
			o->audit.jobs = (int)v;
			break;
		case OPT_LIMIT: {
			char why[256];

			if (limits_parse(&o->audit.limits, d->name, val, why,
			    sizeof(why)) != 0)
				return usage_error("%s", why);
			break;
		}
		case OPT_OUTPUT:
			o->output = val;
			break;
		case OPT_PLATFORM:
			if (strchr(val, '/') == NULL)
				return usage_error("--platform is OS/ARCH[/VARIANT]"
				    ", e.g. linux/arm64, not '%s'", val);
			o->audit.source.platform = val;
			o->audit.source.platform_given = 1;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case OPT_TARGET_ARCH:
			if (parse_target_arch(val, o) != 0)
				return usage_error("--target-arch takes GPU "
				    "architectures like sm_90 or sm_80,sm_90, not "
				    "'%s'", val);
			break;
		case OPT_TOP:
			if (parse_long(val, 0, 100000, &v) != 0)
				return usage_error("--top takes a number from 0 to "
				    "100000, not '%s'", val);
			o->top = (size_t)v;
			break;
		case OPT_KB_EXTRA:
			if (o->audit.n_kb_extra >= sizeof(o->kb_extra) /
			    sizeof(o->kb_extra[0]))
				return usage_error("%s", "at most 32 --kb-extra "
				    "files");
			o->kb_extra[o->audit.n_kb_extra++] = val;
			o->audit.kb_extra = o->kb_extra;
			break;
		case OPT_POLICY:
			o->policy = val;
			o->audit.keep_files = true;
			break;
		case OPT_PROFILE:
			if ((w = choice(val, profile_words)) < 0)
				return usage_error("--profile takes inference or "
				    "training, not '%s'", val);
			o->audit.profile = (enum profile)w;
			break;
		case OPT_INFLATE:
			if ((w = choice(val, inflate_words)) < 0)
				return usage_error("--inflate takes isal or zlib, "
				    "not '%s'", val);
			o->audit.inflate = (enum layer_inflate)w;
			break;
		case OPT_VERIFY:
			if ((w = choice(val, verify_words)) < 0)
				return usage_error("--verify takes blob, full or "
				    "none, not '%s'", val);
			o->audit.verify = (enum layer_verify)w;
			break;
		}
	}
	if (o->bandwidth != NULL && o->why)
		return usage_error("%s", "--bandwidth is for audit and diff");
	if (o->diff && (o->image == NULL || o->image2 == NULL))
		return usage_error("%s", "diff needs OLD and NEW images");
	if (o->scan) {
		if (o->image == NULL || strncmp(o->image, "docker://", 9) != 0 ||
		    o->image[9] == '\0' || strchr(o->image + 9, '/') != NULL)
			return usage_error("%s", "scan needs a REGISTRY, "
			    "docker://HOST[:PORT]");
		if (o->db == NULL)
			return usage_error("%s", "scan needs --db FILE");
		return 0;
	}
	if ((o->db != NULL && o->diff) || o->repo_glob != NULL ||
	    o->tag_glob != NULL || o->shard_n != 0 || o->html_dir != NULL)
		return usage_error("%s", o->db != NULL && o->diff ? "--db is "
		    "for audit, why and scan" : "--repo, --tag, --shard and "
		    "--html-dir are for scan");
	if (o->image == NULL)
		return usage_error("%s", o->why ? "why needs an IMAGE and a "
		    "PACKAGE" : "audit needs an IMAGE");
	if (o->why && o->package == NULL)
		return usage_error("%s", "why needs a PACKAGE after the IMAGE");
	return 0;
}

static void
progress(void *ctx, size_t done, size_t n, int64_t bytes, int64_t total)
{
	char a[32], b[32];

	(void)ctx;
	if (done >= n) {
		/* Finished (or failed): leave a clean line for what follows. */
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		return;
	}
	if (total > 0)
		fprintf(stderr, "\r\033[Kreading layers: %zu/%zu done, %s of %s",
		    done, n, report_human_size(bytes, a, sizeof(a)),
		    report_human_size(total, b, sizeof(b)));
	else
		fprintf(stderr, "\r\033[Kreading layers: %zu/%zu done, %s",
		    done, n, report_human_size(bytes, a, sizeof(a)));
	fflush(stderr);
}

/* Open the output: stdout, or a temporary file beside o->output. */
static FILE *
open_output(const struct options *o)
{
	int fd;

	struct stat sb;

	if (o->output == NULL || strcmp(o->output, "-") == 0)
		return stdout;
	/* A device or a pipe (-o /dev/stdout) is written, not replaced. */
	if (stat(o->output, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode))
		return fopen(o->output, "w");
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.XXXXXX",
	    o->output) >= sizeof(tmp_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return NULL;
	tmp_live = 1;
	fchmod(fd, 0644);
	return fdopen(fd, "w");
}

static int
render(const struct options *o, const cJSON *report)
{
	struct text_options topt;
	FILE *f;
	int rc;

	f = open_output(o);
	if (f == NULL) {
		fprintf(stderr, "imgaudit: %s: cannot write the report: %s\n",
		    o->output, strerror(errno));
		return IA_EINPUT;
	}
	topt.width = 100;
	topt.top = o->top;
	topt.color = f == stdout && isatty(fileno(stdout)) &&
	    getenv("NO_COLOR") == NULL;
	if (o->diff && o->format != FMT_JSON)
		rc = o->format == FMT_MD ? diff_write_md(report, f) :
		    o->format == FMT_HTML ? diff_write_html(report, f) :
		    diff_write_text(report, f, topt.width);
	else if (o->format == FMT_JSON)
		rc = report_write_json(report, f);
	else if (o->format == FMT_HTML)
		rc = report_write_html(report, f);
	else if (o->format == FMT_MD)
		rc = report_write_md(report, f, o->top);
	else if (o->why)
		rc = report_write_why_text(report, f, &topt);
	else
		rc = report_write_text(report, f, &topt);
	if (f == stdout || !tmp_live) {
		if (fflush(f) != 0 || rc != 0 || (f != stdout && fclose(f) != 0)) {
			fprintf(stderr, "imgaudit: writing the report: %s\n",
			    strerror(errno));
			return IA_EINPUT;
		}
		return IA_OK;
	}
	if (rc != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "imgaudit: %s: writing the report: %s\n",
		    o->output, strerror(errno));
		fclose(f);
		unlink(tmp_path);
		tmp_live = 0;
		return IA_EINPUT;
	}
	fclose(f);
	if (rename(tmp_path, o->output) != 0) {
		fprintf(stderr, "imgaudit: %s: %s\n", o->output, strerror(errno));
		unlink(tmp_path);
		tmp_live = 0;
		return IA_EINPUT;
	}
	tmp_live = 0;
	return IA_OK;
}

/*
 * The package `why` asks about: "name" or "ecosystem:name", matched against
 * names and pip's normalised keys.  Prints what to do when there is no
 * single answer.
 */
static int
find_package(const struct audit *a, const char *ref, const char *want,
    size_t *out)
{
	const struct pkgdb *db = a->pkgs;
	const char *name = want, *colon = strchr(want, ':');
	int eco = -1, e, hits = 0, near = 0;
	char *norm;
	size_t i;

	if (colon != NULL)
		for (e = 0; e < ECO_COUNT; e++)
			if (strncmp(want, pkg_ecosystem_name(e),
			    (size_t)(colon - want)) == 0 &&
			    pkg_ecosystem_name(e)[colon - want] == '\0') {
				eco = e;
				name = colon + 1;
			}
	norm = pkgdb_pip_normalise(name);
	for (i = 0; i < db->n; i++) {
		const struct pkg *p = &db->v[i];

		if (eco >= 0 && (int)p->eco != eco)
			continue;
		if (strcmp(p->name, name) == 0 || strcmp(p->key, name) == 0 ||
		    (p->eco == ECO_PIP && strcmp(p->key, norm) == 0)) {
			if (hits++ == 0)
				*out = i;
		}
	}
	if (hits == 1) {
		free(norm);
		return 0;
	}
	if (hits > 1) {
		fprintf(stderr, "imgaudit: %s: '%s' names %d packages; say which "
		    "with ECOSYSTEM:NAME:", ref, want, hits);
		for (i = 0; i < db->n; i++)
			if (strcmp(db->v[i].name, name) == 0 ||
			    strcmp(db->v[i].key, norm) == 0)
				fprintf(stderr, " %s:%s (%s, %s)",
				    pkg_ecosystem_name(db->v[i].eco),
				    db->v[i].name, db->v[i].version ?
				    db->v[i].version : "?", db->v[i].dbpath ?
				    db->v[i].dbpath : "?");
		fputc('\n', stderr);
		free(norm);
		return IA_EINPUT;
	}
	fprintf(stderr, "imgaudit: %s: no installed package named '%s' among "
	    "its %zu packages", ref, want, db->n);
	for (i = 0; i < db->n && near < 5; i++)
		if (strstr(db->v[i].key, norm) != NULL ||
		    strstr(db->v[i].name, name) != NULL)
			fprintf(stderr, "%s%s:%s", near++ ? ", " :
			    "; did you mean ", pkg_ecosystem_name(db->v[i].eco),
			    db->v[i].name);
	fprintf(stderr, "%s\n", near ? "?" : " (imgaudit audit IMAGE --format "
	    "json lists them)");
	free(norm);
	return IA_EINPUT;
}

/*
 * Check the policy against the report and the classified files, and put
 * the result into the report ("policy").  Returns policy_check()'s value.
 */
static int
check_policy(const struct options *o, const struct policy *pol,
    const struct audit *a, cJSON *report, struct policy_result *res)
{
	const struct candidates *c = a->cands;
	struct policy_file *files;
	size_t i, n = c != NULL ? c->n_files : 0;
	int rc;

	(void)o;
	files = xcalloc(n ? n : 1, sizeof(*files));
	for (i = 0; i < n; i++) {
		files[i].path = c->files[i].path;
		files[i].bytes = c->files[i].bytes;
		files[i].purpose = kb_purpose_name(c->files[i].purpose);
	}
	rc = policy_check(pol, report, files, n, res);
	free(files);
	cJSON_AddItemToObject(report, "policy", policy_result_json(pol, res));
	return rc;
}

/*
 * --bandwidth on audit: the time to pull the image cold at that rate,
 * as totals.pull_seconds with totals.bandwidth (docs/report-schema.md).
 */
static void
add_pull_time(cJSON *report, const char *bandwidth)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(report, "totals");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(t,
	    "compressed_bytes");
	double bps = 0;

	if (!cJSON_IsNumber(c) ||
	    diff_parse_bandwidth(bandwidth, &bps) != 0 || bps <= 0)
		return;
	cJSON_AddStringToObject(t, "bandwidth", bandwidth);
	cJSON_AddNumberToObject(t, "pull_seconds", c->valuedouble * 8 / bps);
}

/* "imgaudit: policy FILE: N of M rules broken", then one line each. */
static void
print_policy(const struct options *o, const struct policy *pol,
    const struct policy_result *res)
{
	size_t i;

	if (res->n == 0) {
		if (!o->quiet)
			fprintf(stderr, "imgaudit: policy %s: all %zu rules "
			    "hold\n", policy_path(pol), res->n_rules_checked);
		return;
	}
	fprintf(stderr, "imgaudit: policy %s: %zu of %zu rules broken\n",
	    policy_path(pol), res->n, res->n_rules_checked);
	for (i = 0; i < res->n; i++)
		fprintf(stderr, "  %s\n", res->v[i].message);
}

/*
 * Keep the report for `audit --db`'s next run over the same image: as it
 * was built, before --policy and --bandwidth add to it.  A report that
 * cannot be kept costs the next run its time, not this one its result.
 */
static void
store_report(struct store *db, const struct audit *a, size_t top,
    const struct audit_options *opt, const cJSON *report)
{
	char key[DIGEST_STRLEN];
	char *json;

	if (a->img->digest == NULL ||
	    audit_report_key(opt, a->kb->digest, a->img, top, key) != 0)
		return;
	json = cJSON_PrintUnformatted(report);
	if (json != NULL && store_report_put(db, a->img->digest, key,
	    json) != 0)
		fprintf(stderr, "imgaudit: warning: %s\n", store_errmsg(db));
	cJSON_free(json);
}

static int
cmd_audit(int argc, char **argv, int why)
{
	struct options o;
	struct audit *a = NULL;
	struct ia_error err = { 0 };
	struct policy *pol = NULL;
	struct policy_result pres = { 0 };
	struct store *db = NULL;
	struct layer_cache cache;
	struct report_store reports;
	cJSON *report;
	enum ia_status st;
	int rc, prc = 0;

	memset(&o, 0, sizeof(o));
	o.why = why;
	rc = parse_audit(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? IA_OK : rc;
	if (o.bandwidth != NULL) {
		double bps;

		if (diff_parse_bandwidth(o.bandwidth, &bps) != 0)
			return usage_error("--bandwidth takes a rate like "
			    "100Mbit, 1Gbit or 50MB/s, not '%s'", o.bandwidth);
	}
	o.audit.ref = o.image;
	if (!o.quiet && isatty(STDERR_FILENO))
		o.audit.progress = progress;

	if (o.policy != NULL && !why) {
		/* A broken gate is the user's to fix before any layer is read. */
		st = policy_load(o.policy, &pol, &err);
		if (st != IA_OK) {
			print_error(err.msg);
			return st;
		}
	}
	if (o.db != NULL) {
		/* Layers already in the database are not read again. */
		st = store_open(o.db, &db, &err);
		if (st != IA_OK) {
			print_error(err.msg);
			policy_free(pol);
			return st;
		}
		cache = scan_layer_cache(db);
		o.audit.cache = &cache;
		/*
		 * The same image analysed the same way: its stored report.
		 * why and --policy need the files behind the report.
		 */
		reports = scan_report_store(db, o.top);
		if (!why && pol == NULL)
			o.audit.reports = &reports;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	st = audit_run(&o.audit, &a, &err);
	if (st != IA_OK) {
		store_close(db);
		print_error(err.msg[0] ? err.msg : ia_strstatus(st));
		policy_free(pol);
		return st;
	}
	if (why) {
		size_t i = 0;

		rc = find_package(a, o.image, o.package, &i);
		if (rc != 0) {
			store_close(db);
			audit_free(a);
			return rc;
		}
		/* Skipped for the budget of all removals: this one alone. */
		if (a->removals[i].skipped) {
			removal_free(&a->removals[i]);
			deps_removal_alone(a->deps, i, &a->removals[i]);
		}
		report = report_build_why(a, i);
	} else if (a->stored_report != NULL) {
		report = a->stored_report;
		a->stored_report = NULL;
	} else {
		report = report_build(a, o.top);
		if (db != NULL)
			store_report(db, a, o.top, &o.audit, report);
	}
	store_close(db);
	if (pol != NULL)
		prc = check_policy(&o, pol, a, report, &pres);
	if (!why && o.bandwidth != NULL)
		add_pull_time(report, o.bandwidth);
	rc = render(&o, report);
	if (pol != NULL)
		print_policy(&o, pol, &pres);
	cJSON_Delete(report);
	audit_free(a);
	policy_result_free(&pres);
	policy_free(pol);
	if (rc == IA_OK && prc == 1)
		rc = IA_POLICY;
	else if (rc == IA_OK && prc < 0)
		rc = IA_EINTERNAL;
	return rc;
}

/*
 * imgaudit diff OLD NEW: audit both, one after the other (each with the
 * whole pool of workers), then compare (diff.h).
 */
static int
cmd_diff(int argc, char **argv)
{
	struct options o;
	struct audit *older = NULL, *newer = NULL;
	struct ia_error err = { 0 };
	struct diff_options dopt;
	enum ia_status st;
	cJSON *d;
	int rc;

	memset(&o, 0, sizeof(o));
	o.diff = 1;
	rc = parse_audit(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? IA_OK : rc;
	if (o.policy != NULL)
		return usage_error("%s", "--policy is for audit");
	memset(&dopt, 0, sizeof(dopt));
	dopt.bandwidth_bps = 100e6;
	dopt.bandwidth = "100Mbit";
	dopt.top = o.top;
	if (o.bandwidth != NULL) {
		if (diff_parse_bandwidth(o.bandwidth, &dopt.bandwidth_bps) != 0)
			return usage_error("--bandwidth takes a rate like "
			    "100Mbit, 1Gbit or 50MB/s, not '%s'", o.bandwidth);
		dopt.bandwidth = o.bandwidth;
	}
	if (!o.quiet && isatty(STDERR_FILENO))
		o.audit.progress = progress;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	o.audit.ref = o.image;
	st = audit_run(&o.audit, &older, &err);
	if (st == IA_OK) {
		o.audit.ref = o.image2;
		st = audit_run(&o.audit, &newer, &err);
	}
	if (st != IA_OK) {
		print_error(err.msg[0] ? err.msg : ia_strstatus(st));
		audit_free(older);
		return st;
	}
	d = diff_build(older, newer, &dopt);
	rc = render(&o, d);
	cJSON_Delete(d);
	audit_free(older);
	audit_free(newer);
	return rc;
}

/* One line per image: "repo:tag  sha256:0123456789ab  audited". */
static void
scan_progress(void *ctx, const char *repo, const char *tag, const char *digest,
    const char *what, const char *error)
{
	char name[512];

	(void)ctx;
	snprintf(name, sizeof(name), "%s:%s", repo, tag);
	printf("%-50s %-19.19s %s\n", name, digest ? digest : "-", what);
	fflush(stdout);
	if (error != NULL)
		print_error(error);
}

static int
cmd_scan(int argc, char **argv)
{
	struct options o;
	struct scan_options so;
	struct scan_stats stats;
	struct ia_error err = { 0 };
	enum ia_status st;
	char a[32];
	int rc;

	memset(&o, 0, sizeof(o));
	o.scan = 1;
	rc = parse_audit(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? IA_OK : rc;
	memset(&so, 0, sizeof(so));
	so.registry = o.image + 9;
	so.db = o.db;
	so.repo_glob = o.repo_glob;
	so.tag_glob = o.tag_glob;
	so.shard_k = o.shard_k;
	so.shard_n = o.shard_n;
	so.audit = o.audit;
	so.top = o.top;
	so.html_dir = o.html_dir;
	if (!o.quiet)
		so.progress = scan_progress;
	st = scan_run(&so, &stats, &err);
	if (st != IA_OK) {
		print_error(err.msg[0] ? err.msg : ia_strstatus(st));
		return st;
	}
	if (!o.quiet)
		printf("scanned %zu images: %zu audited, %zu unchanged, %zu "
		    "failed; %zu layers pulled (%s), %zu from the database\n",
		    stats.images, stats.audited, stats.unchanged, stats.failed,
		    stats.layers_pulled, report_human_size(stats.pulled_bytes,
		    a, sizeof(a)), stats.layers_cached);
	if (!o.quiet && o.html_dir != NULL)
		printf("wrote %zu HTML pages to %s/ (index.html)\n", stats.pages,
		    o.html_dir);
	return IA_OK;
}

struct hist {
	struct scan_row *v;
	char **strs;		/* copies of the rows' strings */
	size_t n, cap, ns, scap;
};

static const char *
hist_keep(struct hist *h, const char *s)
{
	if (s == NULL)
		return NULL;
	xgrow((void **)&h->strs, &h->scap, h->ns + 1, sizeof(*h->strs));
	return h->strs[h->ns++] = xstrdup(s);
}

static void
hist_row(void *ctx, const struct scan_row *row)
{
	struct hist *h = ctx;
	struct scan_row *r;

	xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
	r = &h->v[h->n++];
	*r = *row;
	r->repo = hist_keep(h, row->repo);
	r->tag = hist_keep(h, row->tag);
	r->digest = hist_keep(h, row->digest);
	r->error = hist_keep(h, row->error);
}

/* "+1.2MB", "-300kB", "0B" */
static const char *
delta(int64_t d, char *buf, size_t n)
{
	char a[32];

	report_human_size(d < 0 ? -d : d, a, sizeof(a));
	buf[0] = d < 0 ? '-' : d > 0 ? '+' : ' ';
	snprintf(buf + 1, n - 1, "%.30s", a);
	return buf;
}

/* Rows by repository and tag, then in the order the store gave them. */
static int
hist_cmp(const void *pa, const void *pb)
{
	const struct scan_row *a = *(const struct scan_row *const *)pa;
	const struct scan_row *b = *(const struct scan_row *const *)pb;
	int c;

	if ((c = strcmp(a->repo, b->repo)) != 0)
		return c;
	if ((c = strcmp(a->tag ? a->tag : "", b->tag ? b->tag : "")) != 0)
		return c;
	return a < b ? -1 : a > b;
}

static int
cmd_history(int argc, char **argv)
{
	const char *db = NULL, *sel = NULL, *html_dir = NULL;
	struct hist h = { 0 };
	struct store *st = NULL;
	struct ia_error err = { 0 };
	char *repo = NULL, *tag = NULL, a[32], b[32], c[32], d[32], e[32];
	char when[32];
	const struct scan_row **by;
	size_t i, j, pages = 0;
	int i_arg, rc = IA_OK;

	for (i_arg = 0; i_arg < argc; i_arg++) {
		if (strcmp(argv[i_arg], "--db") == 0 && i_arg + 1 < argc)
			db = argv[++i_arg];
		else if (strncmp(argv[i_arg], "--db=", 5) == 0)
			db = argv[i_arg] + 5;
		else if (strcmp(argv[i_arg], "--html-dir") == 0 &&
		    i_arg + 1 < argc)
			html_dir = argv[++i_arg];
		else if (strncmp(argv[i_arg], "--html-dir=", 11) == 0)
			html_dir = argv[i_arg] + 11;
		else if (argv[i_arg][0] != '-' && sel == NULL)
			sel = argv[i_arg];
		else
			return usage_error("history: unexpected '%s'",
			    argv[i_arg]);
	}
	if (db == NULL)
		return usage_error("%s", "history needs --db FILE");
	if (sel != NULL) {
		const char *colon = strrchr(sel, ':');

		repo = colon ? xstrndup(sel, (size_t)(colon - sel)) :
		    xstrdup(sel);
		tag = colon ? xstrdup(colon + 1) : NULL;
	}
	if (store_open(db, &st, &err) != IA_OK) {
		print_error(err.msg);
		free(repo);
		free(tag);
		return IA_EINPUT;
	}
	if (store_history(st, repo, tag, hist_row, &h) != 0) {
		print_error(store_errmsg(st));
		rc = IA_EINPUT;
		goto out;
	}
	printf("%-20s %-32s %-19s %9s %9s %9s %9s  %s\n", "SCANNED (UTC)",
	    "IMAGE", "DIGEST", "PULL", "SIZE", "WASTED", "REMOVABLE", "ERROR");
	for (i = 0; i < h.n; i++) {
		const struct scan_row *r = &h.v[i];
		time_t t = (time_t)r->scanned_at;
		struct tm tm;
		char name[256];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    gmtime_r(&t, &tm));
		snprintf(name, sizeof(name), "%s:%s", r->repo, r->tag);
		printf("%-20s %-32.32s %-19.19s %9s %9s %9s %9s  %s\n", when,
		    name, r->digest ? r->digest : "-", report_human_size(
		    r->compressed_bytes, a, sizeof(a)), report_human_size(
		    r->final_bytes, b, sizeof(b)), report_human_size(
		    r->wasted_bytes, c, sizeof(c)), report_human_size(
		    r->removable_bytes, e, sizeof(e)), r->error ? r->error : "");
	}
	/*
	 * What changed between the last two good scans of each image: the
	 * rows by image, in the store's order within one, then each group's
	 * last two rows without an error.
	 */
	by = xcalloc(h.n + 1, sizeof(*by));
	for (i = 0; i < h.n; i++)
		by[i] = &h.v[i];
	if (h.n > 1)
		qsort(by, h.n, sizeof(*by), hist_cmp);
	for (i = 0; i < h.n; i = j) {
		const struct scan_row *last = NULL, *prev = NULL;
		int same;

		for (j = i; j < h.n && strcmp(by[j]->repo, by[i]->repo) == 0 &&
		    strcmp(by[j]->tag ? by[j]->tag : "", by[i]->tag ?
		    by[i]->tag : "") == 0; j++)
			if (by[j]->error == NULL) {
				prev = last;
				last = by[j];
			}
		if (prev == NULL)
			continue;
		same = strcmp(prev->digest ? prev->digest : "", last->digest ?
		    last->digest : "") == 0;
		printf("%s:%s since the previous scan: %s%s, pull %s, size %s, "
		    "wasted %s, removable %s\n", last->repo, last->tag,
		    same ? "same digest" : "new digest ",
		    same || last->digest == NULL ? "" : last->digest,
		    delta(last->compressed_bytes - prev->compressed_bytes, a,
		    sizeof(a)), delta(last->final_bytes - prev->final_bytes, b,
		    sizeof(b)), delta(last->wasted_bytes - prev->wasted_bytes,
		    d, sizeof(d)), delta(last->removable_bytes -
		    prev->removable_bytes, e, sizeof(e)));
	}
	free(by);
	if (html_dir != NULL) {
		fflush(stdout);
		if (scan_html_write(st, html_dir, repo, tag, &pages, &err) !=
		    IA_OK) {
			print_error(err.msg);
			rc = err.code ? err.code : IA_EINPUT;
		} else {
			printf("wrote %zu HTML pages to %s/ (index.html)\n",
			    pages, html_dir);
		}
	}
out:
	store_close(st);
	for (i = 0; i < h.ns; i++)
		free(h.strs[i]);
	free(h.strs);
	free(h.v);
	free(repo);
	free(tag);
	return rc;
}

/* imgaudit kb list|dump|show NAME [--kb-extra FILE]... */
static int
cmd_kb(int argc, char **argv)
{
	const char *extra[32], *what = NULL, *name = NULL;
	size_t n_extra = 0;
	struct kb *kb;
	struct ia_error err = { 0 };
	enum ia_status st;
	long n;
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (strncmp(arg, "--kb-extra=", 11) == 0 ||
		    strcmp(arg, "--kb-extra") == 0) {
			if (arg[10] == '\0' && i + 1 >= argc)
				return usage_error("%s", "--kb-extra needs a "
				    "FILE.sql");
			if (n_extra == sizeof(extra) / sizeof(extra[0]))
				return usage_error("%s", "at most 32 --kb-extra "
				    "files");
			extra[n_extra++] = arg[10] == '=' ? arg + 11 :
			    argv[++i];
		} else if (arg[0] == '-')
			return usage_error("kb: unknown option '%s'", arg);
		else if (what == NULL)
			what = arg;
		else if (name == NULL && strcmp(what, "show") == 0)
			name = arg;
		else
			return usage_error("kb: unexpected '%s'", arg);
	}
	if (what == NULL || (strcmp(what, "list") != 0 &&
	    strcmp(what, "dump") != 0 && strcmp(what, "show") != 0))
		return usage_error("%s", "kb needs list, dump or show NAME");
	if (strcmp(what, "show") == 0 && name == NULL)
		return usage_error("%s", "kb show needs a NAME (a package, a "
		    "file name, a rule or a CUDA component)");
	st = kb_open(extra, n_extra, &kb, &err);
	if (st != IA_OK) {
		print_error(err.msg);
		return st;
	}
	n = kb_print(kb, what, name, stdout);
	kb_free(kb);
	if (n < 0 || fflush(stdout) != 0) {
		print_error("kb: cannot write to standard output");
		return IA_EINTERNAL;
	}
	if (n == 0 && name != NULL) {
		print_error("kb show: no rule matches that name (try `imgaudit "
		    "kb list`)");
		return IA_EINPUT;
	}
	return IA_OK;
}

static int
cmd_merge(int argc, char **argv)
{
	struct ia_error err = { 0 };

	if (argc < 2)
		return usage_error("%s", "merge needs OUT.db and at least one "
		    "IN.db");
	if (store_merge(argv[0], argv + 1, (size_t)argc - 1, &err) != IA_OK) {
		print_error(err.msg);
		return err.code ? err.code : IA_EINPUT;
	}
	return IA_OK;
}

int
cli_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? IA_EINPUT : IA_OK;
	}
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 2, argv + 2, 0);
	if (strcmp(argv[1], "why") == 0)
		return cmd_audit(argc - 2, argv + 2, 1);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 2, argv + 2);
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 2, argv + 2);
	if (strcmp(argv[1], "history") == 0)
		return cmd_history(argc - 2, argv + 2);
	if (strcmp(argv[1], "merge") == 0)
		return cmd_merge(argc - 2, argv + 2);
	if (strcmp(argv[1], "kb") == 0)
		return cmd_kb(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("imgaudit %s\n", IMGAUDIT_VERSION);
		return IA_OK;
	}
	return usage_error("unknown command '%s' (audit, why, diff, scan, "
	    "history, merge, kb or version)", argv[1]);
}
