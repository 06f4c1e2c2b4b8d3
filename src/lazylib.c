/*
 * lazylib.c: libcurl, libcrypto, cairo and libpq, loaded when a command
 * first calls one of their functions.
 *
 * Linked in, these four and what they need (GnuTLS, pixman, X11, LDAP,
 * Kerberos: 50 libraries) cost every start 28 ms of CPU, most of it their
 * constructors: a report over a million job runs spends about 4% of its
 * time on them, a test suite that runs the tool thousands of times more.
 * `report`, `html`, `ingest` and the rest that read files need none of
 * them; export, notify and push load libcurl, charts in PNG cairo, a
 * postgres:// database libpq.
 *
 * Each function the program uses is defined here under its own name, with
 * the prototype of the library's header, so callers do not change: the
 * first call opens the library (dlopen, by its soname) and looks the
 * function up (dlsym); later calls go straight through the pointer kept.
 * A function used for the first time elsewhere fails to link until it is
 * added below.  A library that cannot be loaded ends the program, naming
 * it and what it is needed for.
 */
/* the functions themselves, not the type-checking macros over them */
#define CURL_DISABLE_TYPECHECK

#include <cairo.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "util.h"

/* The sonames: ABI versions that have held for a decade or more. */
#if OPENSSL_VERSION_MAJOR != 3
#error "lazylib.c loads libcrypto.so.3: OpenSSL 3's"
#endif

struct lazy_lib {
	const char *soname;
	const char *what;	/* what it is needed for, in an error */
	void *handle;
};

static struct lazy_lib curl = { "libcurl.so.4", "HTTP (libcurl)", NULL };
static struct lazy_lib crypto = { "libcrypto.so.3", "SHA-256 (OpenSSL)",
	NULL };
static struct lazy_lib cairo = { "libcairo.so.2", "charts (cairo)",
	NULL };
static struct lazy_lib pq = { "libpq.so.5", "PostgreSQL (libpq)", NULL };

static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * The address of NAME in LIB, opened if need be; *SLOT keeps it.  Never
 * NULL: a library or function missing ends the program.
 */
static void *
lazy_sym(struct lazy_lib *lib, const char *name, void *_Atomic *slot)
{
	void *p = atomic_load_explicit(slot, memory_order_acquire);

	if (p != NULL)
		return p;
	pthread_mutex_lock(&lazy_mu);
	if (lib->handle == NULL) {
		lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (lib->handle == NULL)
			die(EXIT_FAILURE_OTHER, "cannot load %s, needed for "
			    "%s: %s", lib->soname, lib->what, dlerror());
	}
	p = dlsym(lib->handle, name);
	if (p == NULL)
		die(EXIT_FAILURE_OTHER, "%s has no %s: %s", lib->soname, name,
		    dlerror());
	atomic_store_explicit(slot, p, memory_order_release);
	pthread_mutex_unlock(&lazy_mu);
	return p;
}

/*
 * LAZY(lib, type, name, (params), (args)) defines name() to call the
 * library's; LAZY_VOID the same for a function that returns nothing.  A
 * data pointer becomes a function pointer by its bytes, as POSIX has
 * dlsym's results used.
 */
#define LAZY_FN(lib, name, f)						\
	static void *_Atomic sym;					\
	void *p = lazy_sym(&lib, #name, &sym);				\
									\
	memcpy(&f, &p, sizeof(f))

#define LAZY(lib, type, name, params, args)				\
	type								\
	name params							\
	{								\
		type (*f) params;					\
		LAZY_FN(lib, name, f);				\
		return f args;						\
	}

#define LAZY_VOID(lib, name, params, args)				\
	void								\
	name params							\
	{								\
		void (*f) params;					\
		LAZY_FN(lib, name, f);				\
		f args;							\
	}

/*
 * The variadic ones: the argument's type by the option's range, as
 * libcurl itself reads it (a long, an object or function pointer, a
 * curl_off_t, a blob's pointer); getinfo's is always a pointer.
 */
#define LAZY_SETOPT(type, handle, option, name)				\
	type								\
	name(handle *h, option opt, ...)				\
	{								\
		type (*f)(handle *, option, ...);			\
		va_list ap;						\
		type r;							\
		LAZY_FN(curl, name, f);					\
									\
		va_start(ap, opt);					\
		if (opt < CURLOPTTYPE_OBJECTPOINT)			\
			r = f(h, opt, va_arg(ap, long));		\
		else if (opt < CURLOPTTYPE_FUNCTIONPOINT)		\
			r = f(h, opt, va_arg(ap, void *));		\
		else if (opt < CURLOPTTYPE_OFF_T)			\
			r = f(h, opt, va_arg(ap, void (*)(void)));	\
		else if (opt < CURLOPTTYPE_BLOB)			\
			r = f(h, opt, va_arg(ap, curl_off_t));		\
		else							\
			r = f(h, opt, va_arg(ap, void *));		\
		va_end(ap);						\
		return r;						\
	}

LAZY_SETOPT(CURLcode, CURL, CURLoption, curl_easy_setopt)
LAZY_SETOPT(CURLMcode, CURLM, CURLMoption, curl_multi_setopt)

CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode (*f)(CURL *, CURLINFO, ...);
	va_list ap;
	CURLcode r;
	LAZY_FN(curl, curl_easy_getinfo, f);

	va_start(ap, info);
	r = f(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* libcurl */
LAZY_VOID(curl, curl_easy_cleanup, (CURL *a0), (a0))
LAZY(curl, CURL *, curl_easy_init, (void), ())
LAZY(curl, CURLcode, curl_easy_perform, (CURL *a0), (a0))
LAZY_VOID(curl, curl_easy_reset, (CURL *a0), (a0))
LAZY(curl, const char *, curl_easy_strerror, (CURLcode a0), (a0))
LAZY_VOID(curl, curl_free, (void *a0), (a0))
LAZY(curl, time_t, curl_getdate, (const char *a0, const time_t *a1), (a0, a1))
LAZY_VOID(curl, curl_global_cleanup, (void), ())
LAZY(curl, CURLcode, curl_global_init, (long a0), (a0))
LAZY(curl, CURLMcode, curl_multi_add_handle, (CURLM *a0, CURL *a1), (a0, a1))
LAZY(curl, CURLMcode, curl_multi_cleanup, (CURLM *a0), (a0))
LAZY(curl, CURLMsg *, curl_multi_info_read, (CURLM *a0, int *a1), (a0, a1))
LAZY(curl, CURLM *, curl_multi_init, (void), ())
LAZY(curl, CURLMcode, curl_multi_perform, (CURLM *a0, int *a1), (a0, a1))
LAZY(curl, CURLMcode, curl_multi_poll, (CURLM *a0, struct curl_waitfd a1[],
    unsigned int a2, int a3, int *a4), (a0, a1, a2, a3, a4))
LAZY(curl, CURLMcode, curl_multi_remove_handle, (CURLM *a0, CURL *a1), (a0, a1))
LAZY(curl, CURLMcode, curl_multi_wakeup, (CURLM *a0), (a0))
LAZY(curl, struct curl_slist *, curl_slist_append, (struct curl_slist *a0,
    const char *a1), (a0, a1))
LAZY_VOID(curl, curl_slist_free_all, (struct curl_slist *a0), (a0))
LAZY(curl, CURLU *, curl_url, (void), ())
LAZY_VOID(curl, curl_url_cleanup, (CURLU *a0), (a0))
LAZY(curl, CURLUcode, curl_url_get, (CURLU *a0, CURLUPart a1, char **a2,
    unsigned int a3), (a0, a1, a2, a3))
LAZY(curl, CURLUcode, curl_url_set, (CURLU *a0, CURLUPart a1, const char *a2,
    unsigned int a3), (a0, a1, a2, a3))

/* cairo */
LAZY(cairo, cairo_t *, cairo_create, (cairo_surface_t *a0), (a0))
LAZY_VOID(cairo, cairo_destroy, (cairo_t *a0), (a0))
LAZY_VOID(cairo, cairo_fill, (cairo_t *a0), (a0))
LAZY(cairo, cairo_font_options_t *, cairo_font_options_create, (void), ())
LAZY_VOID(cairo, cairo_font_options_destroy, (cairo_font_options_t *a0), (a0))
LAZY_VOID(cairo, cairo_font_options_set_antialias, (cairo_font_options_t *a0,
    cairo_antialias_t a1), (a0, a1))
LAZY_VOID(cairo, cairo_font_options_set_hint_metrics, (cairo_font_options_t *a0,
    cairo_hint_metrics_t a1), (a0, a1))
LAZY_VOID(cairo, cairo_font_options_set_hint_style, (cairo_font_options_t *a0,
    cairo_hint_style_t a1), (a0, a1))
LAZY_VOID(cairo, cairo_font_options_set_subpixel_order,
    (cairo_font_options_t *a0, cairo_subpixel_order_t a1), (a0, a1))
LAZY(cairo, cairo_surface_t *, cairo_image_surface_create, (cairo_format_t a0,
    int a1, int a2), (a0, a1, a2))
LAZY_VOID(cairo, cairo_line_to, (cairo_t *a0, double a1, double a2), (a0, a1,
    a2))
LAZY_VOID(cairo, cairo_move_to, (cairo_t *a0, double a1, double a2), (a0, a1,
    a2))
LAZY_VOID(cairo, cairo_paint, (cairo_t *a0), (a0))
LAZY_VOID(cairo, cairo_rectangle, (cairo_t *a0, double a1, double a2, double a3,
    double a4), (a0, a1, a2, a3, a4))
LAZY_VOID(cairo, cairo_restore, (cairo_t *a0), (a0))
LAZY_VOID(cairo, cairo_rotate, (cairo_t *a0, double a1), (a0, a1))
LAZY_VOID(cairo, cairo_save, (cairo_t *a0), (a0))
LAZY_VOID(cairo, cairo_select_font_face, (cairo_t *a0, const char *a1,
    cairo_font_slant_t a2, cairo_font_weight_t a3), (a0, a1, a2, a3))
LAZY_VOID(cairo, cairo_set_font_options, (cairo_t *a0,
    const cairo_font_options_t *a1), (a0, a1))
LAZY_VOID(cairo, cairo_set_font_size, (cairo_t *a0, double a1), (a0, a1))
LAZY_VOID(cairo, cairo_set_line_width, (cairo_t *a0, double a1), (a0, a1))
LAZY_VOID(cairo, cairo_set_source_rgb, (cairo_t *a0, double a1, double a2,
    double a3), (a0, a1, a2, a3))
LAZY_VOID(cairo, cairo_show_text, (cairo_t *a0, const char *a1), (a0, a1))
LAZY(cairo, cairo_status_t, cairo_status, (cairo_t *a0), (a0))
LAZY(cairo, const char *, cairo_status_to_string, (cairo_status_t a0), (a0))
LAZY_VOID(cairo, cairo_stroke, (cairo_t *a0), (a0))
LAZY_VOID(cairo, cairo_surface_destroy, (cairo_surface_t *a0), (a0))
LAZY_VOID(cairo, cairo_surface_flush, (cairo_surface_t *a0), (a0))
LAZY(cairo, cairo_status_t, cairo_surface_write_to_png_stream,
    (cairo_surface_t *a0, cairo_write_func_t a1, void *a2), (a0, a1, a2))
LAZY_VOID(cairo, cairo_text_extents, (cairo_t *a0, const char *a1,
    cairo_text_extents_t *a2), (a0, a1, a2))
LAZY_VOID(cairo, cairo_translate, (cairo_t *a0, double a1, double a2), (a0, a1,
    a2))

/* libpq */
LAZY(pq, int, PQcancel, (PGcancel *a0, char *a1, int a2), (a0, a1, a2))
LAZY_VOID(pq, PQclear, (PGresult *a0), (a0))
LAZY(pq, char *, PQcmdTuples, (PGresult *a0), (a0))
LAZY(pq, PGconn *, PQconnectdbParams, (const char *const *a0,
    const char *const *a1, int a2), (a0, a1, a2))
LAZY_VOID(pq, PQconninfoFree, (PQconninfoOption *a0), (a0))
LAZY(pq, PQconninfoOption *, PQconninfoParse, (const char *a0, char **a1), (a0,
    a1))
LAZY(pq, char *, PQerrorMessage, (const PGconn *a0), (a0))
LAZY(pq, PGresult *, PQexec, (PGconn *a0, const char *a1), (a0, a1))
LAZY(pq, PGresult *, PQexecParams, (PGconn *a0, const char *a1, int a2,
    const Oid *a3, const char *const *a4, const int *a5, const int *a6, int a7),
    (a0, a1, a2, a3, a4, a5, a6, a7))
LAZY_VOID(pq, PQfinish, (PGconn *a0), (a0))
LAZY(pq, int, PQflush, (PGconn *a0), (a0))
LAZY(pq, char *, PQfname, (const PGresult *a0, int a1), (a0, a1))
LAZY_VOID(pq, PQfreeCancel, (PGcancel *a0), (a0))
LAZY_VOID(pq, PQfreemem, (void *a0), (a0))
LAZY(pq, PGcancel *, PQgetCancel, (PGconn *a0), (a0))
LAZY(pq, PGresult *, PQgetResult, (PGconn *a0), (a0))
LAZY(pq, int, PQgetisnull, (const PGresult *a0, int a1, int a2), (a0, a1, a2))
LAZY(pq, int, PQgetlength, (const PGresult *a0, int a1, int a2), (a0, a1, a2))
LAZY(pq, char *, PQgetvalue, (const PGresult *a0, int a1, int a2), (a0, a1, a2))
LAZY(pq, int, PQntuples, (const PGresult *a0), (a0))
LAZY(pq, int, PQputCopyData, (PGconn *a0, const char *a1, int a2), (a0, a1, a2))
LAZY(pq, int, PQputCopyEnd, (PGconn *a0, const char *a1), (a0, a1))
LAZY(pq, char *, PQresultErrorField, (const PGresult *a0, int a1), (a0, a1))
LAZY(pq, char *, PQresultErrorMessage, (const PGresult *a0), (a0))
LAZY(pq, ExecStatusType, PQresultStatus, (const PGresult *a0), (a0))
LAZY(pq, int, PQsendQuery, (PGconn *a0, const char *a1), (a0, a1))
LAZY(pq, int, PQsetClientEncoding, (PGconn *a0, const char *a1), (a0, a1))
LAZY(pq, PQnoticeReceiver, PQsetNoticeReceiver, (PGconn *a0,
    PQnoticeReceiver a1, void *a2), (a0, a1, a2))
LAZY(pq, int, PQsetSingleRowMode, (PGconn *a0), (a0))
LAZY(pq, ConnStatusType, PQstatus, (const PGconn *a0), (a0))

/* libcrypto (EVP_Digest: the unit tests') */
LAZY(crypto, int, EVP_Digest, (const void *a0, size_t a1, unsigned char *a2,
    unsigned int *a3, const EVP_MD *a4, ENGINE *a5), (a0, a1, a2, a3, a4, a5))
LAZY(crypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX *a0, unsigned char *a1,
    unsigned int *a2), (a0, a1, a2))
LAZY(crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX *a0, const EVP_MD *a1,
    ENGINE *a2), (a0, a1, a2))
LAZY(crypto, int, EVP_DigestUpdate, (EVP_MD_CTX *a0, const void *a1, size_t a2),
    (a0, a1, a2))
LAZY(crypto, int, EVP_EncodeBlock, (unsigned char *a0, const unsigned char *a1,
    int a2), (a0, a1, a2))
LAZY_VOID(crypto, EVP_MD_CTX_free, (EVP_MD_CTX *a0), (a0))
LAZY(crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
LAZY(crypto, const EVP_MD *, EVP_sha256, (void), ())
