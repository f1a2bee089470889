/*
 * pump.c: a C binding of libsystemuser, tested against the simulator over loopback.
 *
 * It does what a JVM, .NET or Go binding does: loads the component through the C ABI, pumps
 * operations and answers each step itself: HTTP/1.1 over its own sockets, RS256 signatures
 * with OpenSSL, waits with nanosleep. It covers every task kind, every error kind of the
 * library, misuse, and 8 threads sharing one client. Closing line: "pump.c: N passed, M
 * failed in S.SSs".
 *
 * usage: pump BASE_URL COMPONENT.wasm TEST_TRAP_COMPONENT.wasm TEST_ONLY_KEY.pem
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "systemuser.h"

/* ---- a growing byte buffer ------------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const void *data, size_t len) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...) {
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) abort();
    sb_put(b, tmp, (size_t)n);
}

/* A JSON string literal, quotes included. */
static void sb_json_string(sbuf *b, const char *s, size_t len) {
    sb_str(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, &s[i], 1);
        }
    }
    sb_str(b, "\"");
}

/* ---- base64 (standard, padded) --------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void sb_base64(sbuf *b, const unsigned char *in, size_t len) {
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        char out[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63], i + 1 < len ? B64[v >> 6 & 63] : '=', i + 2 < len ? B64[v & 63] : '='};
        sb_put(b, out, 4);
    }
}

/* Decodes into a new buffer; -1 when `in` is not base64. */
static long base64_decode(const char *in, size_t len, unsigned char **out) {
    if (len % 4) return -1;
    unsigned char *o = malloc(len / 4 * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            const char *p = in[i + k] == '=' ? NULL : strchr(B64, in[i + k]);
            if (!p && in[i + k] != '=') { free(o); return -1; }
            v[k] = p ? (int)(p - B64) : 0;
        }
        unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        o[n++] = (unsigned char)(w >> 16);
        if (in[i + 2] != '=') o[n++] = (unsigned char)(w >> 8);
        if (in[i + 3] != '=') o[n++] = (unsigned char)w;
    }
    *out = o;
    return (long)n;
}

/* ---- a small JSON reader --------------------------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct json {
    jtype t;
    int b;
    double num;
    char *str; /* J_STR: NUL-terminated UTF-8 (len bytes) */
    size_t len;
    struct json **items; /* J_ARR, J_OBJ */
    char **keys;         /* J_OBJ */
    size_t n;
} json;

typedef struct {
    const char *p, *end;
} jreader;

static void json_free(json *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static void skip_ws(jreader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

static void put_utf8(sbuf *b, unsigned cp) {
    char o[4];
    if (cp < 0x80) { o[0] = (char)cp; sb_put(b, o, 1); }
    else if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); sb_put(b, o, 2); }
    else if (cp < 0x10000) { o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 63)); o[2] = (char)(0x80 | (cp & 63)); sb_put(b, o, 3); }
    else { o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 63)); o[2] = (char)(0x80 | (cp >> 6 & 63)); o[3] = (char)(0x80 | (cp & 63)); sb_put(b, o, 4); }
}

static int hex4(jreader *r, unsigned *out) {
    if (r->end - r->p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *r->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string literal at r->p (after its opening quote) into `b`. */
static int read_string(jreader *r, sbuf *b) {
    while (r->p < r->end) {
        char c = *r->p++;
        if (c == '"') return 0;
        if (c != '\\') { sb_put(b, &c, 1); continue; }
        if (r->p >= r->end) return -1;
        char e = *r->p++;
        unsigned cp;
        switch (e) {
        case '"': case '\\': case '/': sb_put(b, &e, 1); break;
        case 'b': sb_str(b, "\b"); break;
        case 'f': sb_str(b, "\f"); break;
        case 'n': sb_str(b, "\n"); break;
        case 'r': sb_str(b, "\r"); break;
        case 't': sb_str(b, "\t"); break;
        case 'u':
            if (hex4(r, &cp)) return -1;
            if (cp >= 0xD800 && cp < 0xDC00 && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                unsigned lo;
                r->p += 2;
                if (hex4(r, &lo)) return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) sb_put(b, "", 1); else put_utf8(b, cp);
            break;
        default: return -1;
        }
    }
    return -1;
}

static json *read_value(jreader *r, int depth);

static json *new_json(jtype t) {
    json *v = calloc(1, sizeof *v);
    if (!v) abort();
    v->t = t;
    return v;
}

static int push(json *v, char *key, json *item) {
    v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
    if (v->t == J_OBJ) v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
    if (!v->items || (v->t == J_OBJ && !v->keys)) abort();
    v->items[v->n] = item;
    if (v->t == J_OBJ) v->keys[v->n] = key;
    v->n++;
    return 0;
}

static json *read_value(jreader *r, int depth) {
    if (depth > 64) return NULL;
    skip_ws(r);
    if (r->p >= r->end) return NULL;
    char c = *r->p;
    if (c == '{' || c == '[') {
        json *v = new_json(c == '{' ? J_OBJ : J_ARR);
        char close = c == '{' ? '}' : ']';
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == close) { r->p++; return v; }
        for (;;) {
            char *key = NULL;
            if (v->t == J_OBJ) {
                skip_ws(r);
                if (r->p >= r->end || *r->p++ != '"') { json_free(v); return NULL; }
                sbuf k = {0};
                if (read_string(r, &k)) { free(k.data); json_free(v); return NULL; }
                key = k.data ? k.data : calloc(1, 1);
                skip_ws(r);
                if (r->p >= r->end || *r->p++ != ':') { free(key); json_free(v); return NULL; }
            }
            json *item = read_value(r, depth + 1);
            if (!item) { free(key); json_free(v); return NULL; }
            push(v, key, item);
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') { r->p++; continue; }
            if (r->p < r->end && *r->p == close) { r->p++; return v; }
            json_free(v);
            return NULL;
        }
    }
    if (c == '"') {
        r->p++;
        sbuf s = {0};
        if (read_string(r, &s)) { free(s.data); return NULL; }
        json *v = new_json(J_STR);
        v->str = s.data ? s.data : calloc(1, 1);
        v->len = s.len;
        return v;
    }
    if (r->end - r->p >= 4 && !strncmp(r->p, "true", 4)) { r->p += 4; json *v = new_json(J_BOOL); v->b = 1; return v; }
    if (r->end - r->p >= 5 && !strncmp(r->p, "false", 5)) { r->p += 5; return new_json(J_BOOL); }
    if (r->end - r->p >= 4 && !strncmp(r->p, "null", 4)) { r->p += 4; return new_json(J_NULL); }
    char num[64];
    size_t n = 0;
    while (r->p < r->end && n < sizeof num - 1 && strchr("+-0123456789.eE", *r->p)) num[n++] = *r->p++;
    if (!n) return NULL;
    num[n] = 0;
    json *v = new_json(J_NUM);
    v->num = strtod(num, NULL);
    return v;
}

static json *json_parse(const char *text, size_t len) {
    jreader r = {text, text + len};
    json *v = read_value(&r, 0);
    skip_ws(&r);
    if (v && r.p != r.end) { json_free(v); return NULL; }
    return v;
}

static const json *jget(const json *o, const char *key) {
    if (!o || o->t != J_OBJ) return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key)) return o->items[i];
    return NULL;
}

/* The string at a path of member names ("a.b.c"), or NULL. */
static const char *jstr(const json *o, const char *path) {
    char part[128];
    const json *v = o;
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = 0;
        v = jget(v, part);
        path += n + (path[n] == '.');
    }
    return v && v->t == J_STR ? v->str : NULL;
}

static int jstr_is(const json *o, const char *path, const char *want) {
    const char *s = jstr(o, path);
    return s && !strcmp(s, want);
}

static double jnum(const json *o, const char *key) {
    const json *v = jget(o, key);
    return v && v->t == J_NUM ? v->num : -1;
}

/* ---- test accounting ------------------------------------------------------------------- */

static int passed, failed;
static __thread int test_failed;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            pthread_mutex_lock(&print_lock);                               \
            fprintf(stderr, "  FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            pthread_mutex_unlock(&print_lock);                             \
            test_failed = 1;                                               \
        }                                                                  \
    } while (0)

static void run_test(const char *name, void (*test)(void)) {
    test_failed = 0;
    test();
    if (test_failed) failed++; else passed++;
    printf("%s - %s\n", test_failed ? "not ok" : "ok", name);
    fflush(stdout);
}

/* ---- the library, with errors read and freed ------------------------------------------- */

typedef struct {
    char kind[32];
    char message[1024];
} abi_error;

/* 0 for NULL, else -1 with the error's kind and message copied out (and the error freed). */
static int take(su_error_t *e, abi_error *out) {
    if (!e) return 0;
    size_t klen = 0, mlen = 0;
    const uint8_t *k = su_error_kind(e, &klen);
    const uint8_t *m = su_error_message(e, &mlen);
    if (out) {
        snprintf(out->kind, sizeof out->kind, "%.*s", (int)klen, (const char *)k);
        snprintf(out->message, sizeof out->message, "%.*s", (int)mlen, (const char *)m);
    }
    su_error_delete(e);
    return -1;
}

/* A returned document, parsed (the buffer is freed). */
static json *take_buffer(su_buffer_t *b) {
    size_t len = 0;
    const uint8_t *data = su_buffer_data(b, &len);
    json *v = json_parse((const char *)data, len);
    su_buffer_delete(b);
    return v;
}

static const char *BASE, *COMPONENT, *TRAP_COMPONENT;
static EVP_PKEY *KEY;
static char TOKEN[4096];

/* ---- HTTP/1.1 over a socket ------------------------------------------------------------ */

typedef struct {
    int failed; /* 1: transport failure */
    const char *failure_kind;
    char failure_message[256];
    int status;
    sbuf head; /* JSON array of [name, value] pairs */
    sbuf body;
} http_result;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(http_result *r, const char *kind, const char *message) {
    r->failed = 1;
    r->failure_kind = kind;
    snprintf(r->failure_message, sizeof r->failure_message, "%s", message);
}

/* Sends one request and reads the whole answer within `timeout_ms`, at most `max_body` bytes
 * of body, no redirects followed, nothing decompressed. */
static void http_exchange(const char *method, const char *url, const json *headers, const unsigned char *body, size_t body_len,
                          long timeout_ms, size_t max_body, http_result *r) {
    memset(r, 0, sizeof *r);
    long long deadline = now_ms() + timeout_ms;
    if (strncmp(url, "http://", 7)) { fail(r, "other", "only http:// URLs in this test binding"); return; }
    const char *host_start = url + 7;
    const char *path = strchr(host_start, '/');
    if (!path) path = host_start + strlen(host_start);
    char hostport[256], host[256], port[16] = "80";
    snprintf(hostport, sizeof hostport, "%.*s", (int)(path - host_start), host_start);
    snprintf(host, sizeof host, "%s", hostport);
    char *colon = strrchr(host, ':');
    if (colon) { snprintf(port, sizeof port, "%s", colon + 1); *colon = 0; }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai)) { fail(r, "connect", "cannot resolve the host"); return; }
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        freeaddrinfo(ai);
        if (fd >= 0) close(fd);
        fail(r, "connect", "could not connect");
        return;
    }
    freeaddrinfo(ai);

    sbuf req = {0};
    sb_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, *path ? path : "/", hostport);
    int has_length = 0;
    for (size_t i = 0; headers && i < headers->n; i++) {
        const json *h = headers->items[i];
        if (h->n != 2) continue;
        if (!strcasecmp(h->items[0]->str, "content-length")) has_length = 1;
        sb_printf(&req, "%s: %s\r\n", h->items[0]->str, h->items[1]->str);
    }
    if (body && !has_length) sb_printf(&req, "Content-Length: %zu\r\n", body_len);
    sb_str(&req, "\r\n");
    if (body) sb_put(&req, body, body_len);
    size_t sent = 0;
    while (sent < req.len) {
        ssize_t n = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
        if (n <= 0) { free(req.data); close(fd); fail(r, "connection-lost", "the connection broke while sending"); return; }
        sent += (size_t)n;
    }
    free(req.data);

    sbuf in = {0};
    size_t limit = max_body + 65536; /* the head on top of the body */
    char chunk[16384];
    for (;;) {
        long left = (long)(deadline - now_ms());
        if (left <= 0) { free(in.data); close(fd); fail(r, "timeout", "no complete answer in time"); return; }
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, (int)left);
        if (ready == 0) continue;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            free(in.data); close(fd); fail(r, "connection-lost", "the connection broke while reading"); return;
        }
        sb_put(&in, chunk, (size_t)n);
        if (in.len > limit) { free(in.data); close(fd); fail(r, "too-large", "the answer is longer than allowed"); return; }
    }
    close(fd);
    char *end = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
    if (!end || sscanf(in.data, "HTTP/1.%*d %d", &r->status) != 1) {
        free(in.data);
        fail(r, "connection-lost", "the answer ended before its head was complete");
        return;
    }
    /* Headers into a JSON array; note the framing. */
    long content_length = -1;
    int chunked = 0, encoded = 0;
    sb_str(&r->head, "[");
    char *line = strstr(in.data, "\r\n") + 2;
    int first = 1;
    while (line < end) {
        char *eol = strstr(line, "\r\n");
        char *sep = memchr(line, ':', (size_t)(eol - line));
        if (sep) {
            char *value = sep + 1;
            while (*value == ' ') value++;
            size_t nlen = (size_t)(sep - line), vlen = (size_t)(eol - value);
            if (!first) sb_str(&r->head, ",");
            first = 0;
            sb_str(&r->head, "[");
            sb_json_string(&r->head, line, nlen);
            sb_str(&r->head, ",");
            sb_json_string(&r->head, value, vlen);
            sb_str(&r->head, "]");
            if (nlen == 14 && !strncasecmp(line, "content-length", 14)) content_length = strtol(value, NULL, 10);
            if (nlen == 17 && !strncasecmp(line, "transfer-encoding", 17) && strstr(value, "chunked")) chunked = 1;
            if (nlen == 16 && !strncasecmp(line, "content-encoding", 16) && strncasecmp(value, "identity", 8)) encoded = 1;
        }
        line = eol + 2;
    }
    sb_str(&r->head, "]");
    char *b = end + 4;
    size_t avail = in.len - (size_t)(b - in.data);
    if (encoded) { free(in.data); fail(r, "too-large", "a compressed answer is never decompressed"); return; }
    if (chunked) {
        char *p = b, *stop = b + avail;
        for (;;) {
            char *eol = p < stop ? strstr(p, "\r\n") : NULL;
            if (!eol) { free(in.data); fail(r, "connection-lost", "a chunked answer ended early"); return; }
            long size = strtol(p, NULL, 16);
            p = eol + 2;
            if (size == 0) break;
            if (p + size > stop) { free(in.data); fail(r, "connection-lost", "a chunked answer ended early"); return; }
            sb_put(&r->body, p, (size_t)size);
            p += size + 2;
        }
    } else if (content_length >= 0) {
        if ((size_t)content_length > avail) { free(in.data); fail(r, "connection-lost", "the answer ended before its body was complete"); return; }
        sb_put(&r->body, b, (size_t)content_length);
    } else {
        sb_put(&r->body, b, avail);
    }
    if (!r->body.data) sb_put(&r->body, "", 0);
    if (r->body.len > max_body) { free(in.data); fail(r, "too-large", "the answer is longer than allowed"); return; }
    free(in.data);
}

static void http_free(http_result *r) {
    free(r->head.data);
    free(r->body.data);
}

/* An admin call to the simulator; returns the parsed JSON answer (or NULL). */
static json *admin(const char *method, const char *path, const char *body) {
    char url[512];
    snprintf(url, sizeof url, "%s%s", BASE, path);
    const char *content_type = "[[\"Content-Type\",\"application/json\"]]";
    json *headers = json_parse(content_type, strlen(content_type));
    http_result r;
    http_exchange(method, url, headers, (const unsigned char *)body, body ? strlen(body) : 0, 10000, 64u << 20, &r);
    json_free(headers);
    json *v = r.failed || r.status >= 300 ? NULL : json_parse(r.body.data, r.body.len);
    http_free(&r);
    return v;
}

/* ---- the binding: answers each step ---------------------------------------------------- */

typedef struct {
    const char *token; /* for token steps; NULL: token-failed */
    int sign;          /* answer sign steps with the key */
} binding;

/* The input document that answers `step`, appended to `out`. */
static void answer(const binding *bd, const json *step, sbuf *out) {
    const char *kind = jstr(step, "step");
    sb_str(out, "{\"v\":1,");
    if (!strcmp(kind, "send")) {
        const json *rq = jget(step, "request");
        const json *body = jget(rq, "body");
        unsigned char *raw = NULL;
        long raw_len = 0;
        if (body && body->t == J_STR) raw_len = base64_decode(body->str, body->len, &raw);
        http_result r;
        http_exchange(jstr(rq, "method"), jstr(rq, "url"), jget(rq, "headers"), raw, raw_len > 0 ? (size_t)raw_len : 0,
                      (long)jnum(rq, "timeoutMs"), (size_t)jnum(rq, "maxResponseBytes"), &r);
        free(raw);
        if (r.failed) {
            sb_printf(out, "\"input\":\"transport-failed\",\"failure\":{\"kind\":\"%s\",\"message\":", r.failure_kind);
            sb_json_string(out, r.failure_message, strlen(r.failure_message));
            sb_str(out, "}}");
        } else {
            sb_printf(out, "\"input\":\"response\",\"response\":{\"status\":%d,\"headers\":%s,\"body\":\"", r.status, r.head.data);
            sb_base64(out, (const unsigned char *)r.body.data, r.body.len);
            sb_str(out, "\"}}");
        }
        http_free(&r);
    } else if (!strcmp(kind, "sign")) {
        const char *data = jstr(step, "data");
        unsigned char *raw = NULL, sig[1024];
        size_t sig_len = sizeof sig;
        long raw_len = base64_decode(data, strlen(data), &raw);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok = bd->sign && raw_len >= 0 && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, KEY) == 1 &&
                 EVP_DigestSign(ctx, sig, &sig_len, raw, (size_t)raw_len) == 1;
        EVP_MD_CTX_free(ctx);
        free(raw);
        if (ok) {
            sb_str(out, "\"input\":\"signature\",\"signature\":\"");
            sb_base64(out, sig, sig_len);
            sb_str(out, "\"}");
        } else {
            sb_str(out, "\"input\":\"sign-failed\",\"message\":\"this binding cannot sign\"}");
        }
    } else if (!strcmp(kind, "token")) {
        if (bd->token) {
            sb_str(out, "\"input\":\"token\",\"token\":");
            sb_json_string(out, bd->token, strlen(bd->token));
            sb_str(out, "}");
        } else {
            sb_str(out, "\"input\":\"token-failed\",\"message\":\"this binding holds no token\"}");
        }
    } else if (!strcmp(kind, "wait")) {
        double ms = jnum(step, "ms");
        struct timespec ts = {(time_t)(ms / 1000), (long)((long long)ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        sb_str(out, "\"input\":\"waited\"}");
    }
}

/* Runs `task` to its end; the done step (caller frees), or NULL with `err` filled. `steps`
 * (when not NULL) counts the steps of each kind: send, sign, token, wait. */
static json *run_op(su_client_t *client, const binding *bd, const char *task, abi_error *err, int steps[4]) {
    su_operation_t *op = NULL;
    if (take(su_operation_new(client, (const uint8_t *)task, strlen(task), &op), err)) return NULL;
    su_buffer_t *buf = NULL;
    if (take(su_operation_start(op, &buf), err)) { su_operation_delete(op); return NULL; }
    json *step = take_buffer(buf);
    while (step && !jstr_is(step, "step", "done")) {
        const char *k = jstr(step, "step");
        if (steps) steps[!strcmp(k, "send") ? 0 : !strcmp(k, "sign") ? 1 : !strcmp(k, "token") ? 2 : 3]++;
        sbuf input = {0};
        answer(bd, step, &input);
        json_free(step);
        step = NULL;
        if (take(su_operation_advance(op, (const uint8_t *)input.data, input.len, &buf), err)) { free(input.data); break; }
        free(input.data);
        step = take_buffer(buf);
    }
    su_operation_delete(op);
    return step;
}

static su_runtime_t *load(const char *path) {
    su_runtime_t *rt = NULL;
    abi_error e = {"", ""};
    if (take(su_runtime_load((const uint8_t *)path, strlen(path), NULL, 0, &rt), &e)) {
        fprintf(stderr, "cannot load %s: %s: %s\n", path, e.kind, e.message);
        return NULL;
    }
    return rt;
}

static su_client_t *client_for(su_runtime_t *rt, int maskinporten, int retry_budget) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"v\":1,\"environment\":{\"platformUrl\":\"%s\",\"confirmUrl\":\"%s\",\"maskinportenIssuer\":\"%s/\"},"
             "\"timeoutMs\":5000,\"retryBudget\":%d,\"backoffMs\":1%s}",
             BASE, BASE, BASE, retry_budget,
             maskinporten ? ",\"maskinporten\":{\"clientId\":\"sim-smartregnskap-client\",\"key\":{\"kid\":\"sim-test-key-1\"}}" : "");
    su_client_t *c = NULL;
    abi_error e = {"", ""};
    if (take(su_client_new(rt, (const uint8_t *)config, strlen(config), &c), &e)) fprintf(stderr, "su_client_new: %s\n", e.message);
    return c;
}

static su_runtime_t *RUNTIME;

#define STANDARD_SYSTEM "314248295_smartregnskap"
#define AGENT_SYSTEM "314248295_smartbyraa"

static void create_task(char *out, size_t size, const char *org, const char *ref) {
    snprintf(out, size,
             "{\"v\":1,\"task\":\"create-standard-request\",\"request\":{\"systemId\":\"" STANDARD_SYSTEM "\",\"partyOrgNo\":\"%s\","
             "\"externalRef\":\"%s\",\"rights\":[{\"resource\":[{\"id\":\"urn:altinn:resource\",\"value\":\"ske-krav-og-betalinger\"}]}]}}",
             org, ref);
}

/* ---- the tests ------------------------------------------------------------------------- */

static void test_abi_version(void) {
    CHECK(su_abi_version() == SU_ABI_VERSION, "library %u, header %d", su_abi_version(), SU_ABI_VERSION);
}

static void test_every_task_kind(void) {
    su_client_t *c = client_for(RUNTIME, 0, 3);
    binding bd = {TOKEN, 0};
    abi_error e = {"", ""};
    char task[1024], id[64] = "", agent_id[64] = "";
    int steps[4] = {0};

    create_task(task, sizeof task, "310816191", "c-1");
    json *d = run_op(c, &bd, task, &e, steps);
    CHECK(d && jstr_is(d, "outcome.outcome", "created") && jstr_is(d, "outcome.request.status", "New"), "create");
    CHECK(d && jget(jget(d, "outcome"), "isNew")->b == 1, "a new request");
    CHECK(steps[0] == 2 && steps[2] == 2, "two sends, two token steps: %d %d", steps[0], steps[2]);
    if (d && jstr(d, "outcome.request.id")) snprintf(id, sizeof id, "%s", jstr(d, "outcome.request.id"));
    json_free(d);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && !jget(jget(d, "outcome"), "isNew")->b && jstr_is(d, "outcome.request.id", id), "the same key finds the same request");
    json_free(d);

    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"create-agent-request\",\"request\":{\"systemId\":\"" AGENT_SYSTEM "\",\"partyOrgNo\":\"314224965\","
               "\"externalRef\":\"c-agent\",\"accessPackages\":[{\"urn\":\"urn:altinn:accesspackage:regnskapsforer-lonn\"}]}}",
               &e, NULL);
    CHECK(d && jstr_is(d, "outcome.request.kind", "agent"), "create agent");
    if (d && jstr(d, "outcome.request.id")) snprintf(agent_id, sizeof agent_id, "%s", jstr(d, "outcome.request.id"));
    json_free(d);

    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"get-request\",\"id\":\"%s\"}", id);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "request") && jstr_is(d, "outcome.request.id", id), "get");
    json_free(d);
    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"get-request\",\"id\":\"%s\",\"kind\":\"agent\"}", agent_id);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.request.id", agent_id), "get agent");
    json_free(d);

    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"get-request-by-external-ref\",\"systemId\":\"" STANDARD_SYSTEM "\",\"orgNo\":\"310816191\",\"externalRef\":\"c-1\"}",
               &e, NULL);
    CHECK(d && jstr_is(d, "outcome.request.id", id), "by external ref");
    json_free(d);

    d = run_op(c, &bd, "{\"v\":1,\"task\":\"list-requests\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    const json *items = jget(jget(d, "outcome"), "items");
    CHECK(d && jstr_is(d, "outcome.outcome", "requests") && items && items->n >= 1, "list one page");
    json_free(d);
    memset(steps, 0, sizeof steps);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"list-all-requests\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, steps);
    CHECK(d && jstr_is(d, "outcome.outcome", "requests") && jget(jget(d, "outcome"), "nextPage")->t == J_NULL, "list all pages");
    json_free(d);

    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"verify-system-user\",\"systemId\":\"" STANDARD_SYSTEM "\",\"orgNo\":\"310816191\",\"externalRef\":\"c-1\"}",
               &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "system-user") && jget(jget(d, "outcome"), "systemUser")->t == J_NULL, "no system user yet");
    json_free(d);
    char path[256];
    snprintf(path, sizeof path, "/_sim/requests/%s/approve", id);
    json *approved = admin("POST", path, "");
    CHECK(approved && jstr_is(approved, "status", "Accepted"), "the customer approves");
    json_free(approved);
    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"verify-system-user\",\"systemId\":\"" STANDARD_SYSTEM "\",\"orgNo\":\"310816191\",\"externalRef\":\"c-1\"}",
               &e, NULL);
    CHECK(d && jstr_is(d, "outcome.systemUser.id", id), "verify finds the system user");
    json_free(d);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"list-system-users\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "system-users") && jget(jget(d, "outcome"), "items")->n >= 1, "list system users");
    json_free(d);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"list-all-system-users\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "system-users"), "list all system users");
    json_free(d);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"get-registered-system\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    CHECK(d && jstr_is(d, "outcome.system.id", STANDARD_SYSTEM) && jstr_is(d, "outcome.system.vendorOrgNo", "314248295"), "registered system");
    json_free(d);

    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"withdraw-request\",\"id\":\"%s\"}", agent_id);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "withdrawn"), "withdraw");
    json_free(d);
    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"get-request\",\"id\":\"%s\",\"kind\":\"agent\"}", agent_id);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "not-found"), "gone after withdrawal");
    json_free(d);
    su_client_delete(c);
}

static void test_system_user_token_with_a_signing_binding(void) {
    su_client_t *c = client_for(RUNTIME, 1, 3);
    binding bd = {NULL, 1};
    abi_error e = {"", ""};
    char task[1024], path[256];
    int steps[4] = {0};
    create_task(task, sizeof task, "313981436", "c-mp");
    json *d = run_op(c, &bd, task, &e, steps);
    CHECK(d && jstr_is(d, "outcome.outcome", "created"), "create with the component's own grants");
    CHECK(steps[1] == 2 && steps[2] == 0, "signed two grants, asked for no token: %d %d", steps[1], steps[2]);
    snprintf(path, sizeof path, "/_sim/requests/%s/approve", d ? jstr(d, "outcome.request.id") : "none");
    json_free(d);
    json *approved = admin("POST", path, "");
    CHECK(approved != NULL, "approved");
    json_free(approved);
    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"system-user-token\",\"customerOrgNo\":\"313981436\",\"externalRef\":\"c-mp\",\"scopes\":[\"ttd:regnskap.read\"]}",
               &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "token") && jstr_is(d, "outcome.token.scope", "ttd:regnskap.read"), "a system-user token");
    CHECK(d && jstr(d, "outcome.token.accessToken") && strlen(jstr(d, "outcome.token.accessToken")) > 20, "the token itself");
    json_free(d);
    /* Maskinporten refuses an unknown customer: typed, with the MP code. */
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"system-user-token\",\"customerOrgNo\":\"316501389\",\"scopes\":[\"ttd:regnskap.read\"]}", &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "maskinporten") && jstr_is(d, "error.code", "MP-303"), "MP-303");
    json_free(d);
    su_client_delete(c);
}

/* The System Register (a PUT from this binding's own HTTP) and client delegation (the exchange,
 * kept for the next calls) through the pump, Maskinporten mode. */
static int calls_to(const char *route) {
    json *calls = admin("GET", "/_sim/calls", NULL);
    const json *list = jget(calls, "calls");
    int n = 0;
    for (size_t i = 0; list && i < list->n; i++) {
        if (jstr_is(list->items[i], "route", route)) n++;
    }
    json_free(calls);
    return n;
}

static void test_system_register_and_client_delegation(void) {
    su_client_t *c = client_for(RUNTIME, 1, 3);
    binding bd = {NULL, 1};
    abi_error e = {"", ""};
    char task[2048], agent[64] = "", client_a[64] = "", client_b[64] = "";
    const char *texts = "{\"nb\":\"C-byr\\u00e5\",\"nn\":\"C-byr\\u00e5\",\"en\":\"C bureau\"}";
    snprintf(task, sizeof task,
             "{\"v\":1,\"task\":\"register-system\",\"system\":{\"id\":\"314248295_cbyraa\",\"vendor\":{\"ID\":\"0192:314248295\"},"
             "\"name\":%s,\"description\":%s,\"accessPackages\":[{\"urn\":\"urn:altinn:accesspackage:regnskapsforer-lonn\"}],"
             "\"isVisible\":false}}",
             texts, texts);
    json *d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "system-registered") && jstr(d, "outcome.internalId"), "registered");
    json_free(d);
    int puts_before = calls_to("update_registered_system");
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"update-system\",\"update\":{\"id\":\"314248295_cbyraa\",\"allowedRedirectUrls\":[\"https://c.example/cb\"]}}", &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "system-changed"), "updated");
    json_free(d);
    CHECK(calls_to("update_registered_system") == puts_before + 1, "this binding sent the PUT");
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"get-registered-system\",\"systemId\":\"314248295_cbyraa\"}", &e, NULL);
    const json *urls = jget(jget(jget(d, "outcome"), "system"), "allowedRedirectUrls");
    CHECK(urls && urls->n == 1 && jget(jget(d, "outcome"), "system") && !jget(jget(jget(d, "outcome"), "system"), "isVisible")->b, "merged");
    json_free(d);

    d = run_op(c, &bd,
               "{\"v\":1,\"task\":\"create-agent-request\",\"request\":{\"systemId\":\"314248295_cbyraa\",\"partyOrgNo\":\"310816191\","
               "\"externalRef\":\"c-deleg\",\"accessPackages\":[{\"urn\":\"urn:altinn:accesspackage:regnskapsforer-lonn\"}]}}",
               &e, NULL);
    if (d && jstr(d, "outcome.request.id")) snprintf(agent, sizeof agent, "%s", jstr(d, "outcome.request.id"));
    json_free(d);
    char path[256];
    snprintf(path, sizeof path, "/_sim/requests/%s/approve", agent);
    json *approved = admin("POST", path, "");
    CHECK(approved && jstr_is(approved, "status", "Accepted"), "the bureau approves the agent request");
    json_free(approved);
    json *kladm = admin("POST", "/_sim/clientadministrators", "{\"orgNo\":\"310816191\",\"externalRef\":\"c-kladm\"}");
    CHECK(kladm && jstr(kladm, "systemUserId"), "the bureau's klientadministrator system user");
    json_free(kladm);

    int exchanges = calls_to("exchange_token");
    const char *bureau = "{\"orgNo\":\"310816191\",\"externalRef\":\"c-kladm\"}";
    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"list-available-clients\",\"bureau\":%s,\"agent\":\"%s\"}", bureau, agent);
    d = run_op(c, &bd, task, &e, NULL);
    const json *clients = jget(jget(jget(d, "outcome"), "clients"), "clients");
    for (size_t i = 0; clients && i < clients->n; i++) {
        if (jstr_is(clients->items[i], "orgNo", "314224965")) snprintf(client_a, sizeof client_a, "%s", jstr(clients->items[i], "id"));
        if (jstr_is(clients->items[i], "orgNo", "316501389")) snprintf(client_b, sizeof client_b, "%s", jstr(clients->items[i], "id"));
    }
    CHECK(*client_a && *client_b, "two clients available");
    json_free(d);
    const char *added[2] = {client_a, client_b};
    for (int i = 0; i < 2; i++) {
        snprintf(task, sizeof task, "{\"v\":1,\"task\":\"add-client\",\"bureau\":%s,\"agent\":\"%s\",\"client\":\"%s\"}", bureau, agent, added[i]);
        d = run_op(c, &bd, task, &e, NULL);
        CHECK(d && jstr_is(d, "outcome.outcome", "client-added") && jstr_is(d, "outcome.client", added[i]), "client added");
        json_free(d);
    }
    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"remove-client\",\"bureau\":%s,\"agent\":\"%s\",\"client\":\"%s\"}", bureau, agent, client_a);
    d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "client-removed"), "client removed");
    json_free(d);
    snprintf(task, sizeof task, "{\"v\":1,\"task\":\"list-clients\",\"bureau\":%s,\"agent\":\"%s\"}", bureau, agent);
    d = run_op(c, &bd, task, &e, NULL);
    clients = jget(jget(jget(d, "outcome"), "clients"), "clients");
    CHECK(clients && clients->n == 1 && jstr_is(clients->items[0], "id", client_b), "one client left");
    json_free(d);
    CHECK(calls_to("exchange_token") == exchanges + 1, "one exchange for five calls: %d", calls_to("exchange_token") - exchanges);
    su_client_delete(c);
}

static void test_component_errors_in_done_steps(void) {
    su_client_t *c = client_for(RUNTIME, 0, 0);
    binding bd = {TOKEN, 0}, none = {NULL, 0};
    abi_error e = {"", ""};
    char task[1024];
    create_task(task, sizeof task, "123456789", "bad");
    json *d = run_op(c, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "validation"), "validation");
    json_free(d);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"get-request\",\"id\":\"3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10\"}", &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "not-found"), "not-found");
    json_free(d);
    d = run_op(c, &none, "{\"v\":1,\"task\":\"get-registered-system\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "token"), "token");
    json_free(d);
    json *fault = admin("POST", "/_sim/faults", "{\"route\":\"get_registered_system\",\"kind\":\"status503\",\"count\":1}");
    CHECK(fault != NULL, "fault armed");
    json_free(fault);
    d = run_op(c, &bd, "{\"v\":1,\"task\":\"get-registered-system\",\"systemId\":\"" STANDARD_SYSTEM "\"}", &e, NULL);
    CHECK(d && jstr_is(d, "error.kind", "unavailable"), "unavailable with no retries allowed");
    json_free(d);
    su_client_delete(c);
}

static void test_library_error_kinds(void) {
    abi_error e = {"", ""};
    su_runtime_t *rt = NULL;
    /* invalid-argument */
    CHECK(take(su_runtime_load(NULL, 3, NULL, 0, &rt), &e) && !strcmp(e.kind, "invalid-argument"), "NULL path: %s", e.kind);
    su_client_t *c = NULL;
    const char *v2 = "{\"v\":2,\"environment\":\"tt02\"}";
    CHECK(take(su_client_new(RUNTIME, (const uint8_t *)v2, strlen(v2), &c), &e) && !strcmp(e.kind, "invalid-argument"), "another v: %s", e.kind);
    CHECK(take(su_client_new(RUNTIME, (const uint8_t *)"{not json", 9, &c), &e) && !strcmp(e.kind, "invalid-argument"), "not JSON");
    CHECK(c == NULL, "out-parameters are written only on success");
    /* load */
    const char *missing = "/nonexistent/component.wasm";
    CHECK(take(su_runtime_load((const uint8_t *)missing, strlen(missing), NULL, 0, &rt), &e) && !strcmp(e.kind, "load"), "load: %s", e.kind);
    CHECK(take(su_runtime_from_bytes((const uint8_t *)"\0asm\1\0\0\0", 8, NULL, 0, &rt), &e) && !strcmp(e.kind, "load"), "a core module");
    /* panic */
    CHECK(take(su_test_panic(), &e) && !strcmp(e.kind, "panic"), "panic: %s", e.kind);
    /* component: a trap in the test-trap build, then the same client works */
    su_runtime_t *trap_rt = load(TRAP_COMPONENT);
    CHECK(trap_rt != NULL, "the test-trap component loads");
    if (!trap_rt) return;
    su_client_t *tc = client_for(trap_rt, 0, 3);
    binding bd = {TOKEN, 0};
    char task[1024];
    create_task(task, sizeof task, "317103360", "test-trap");
    json *d = run_op(tc, &bd, task, &e, NULL);
    CHECK(!d && !strcmp(e.kind, "component"), "a trap is a component error: %s", e.kind);
    json_free(d);
    create_task(task, sizeof task, "317103360", "after-trap");
    d = run_op(tc, &bd, task, &e, NULL);
    CHECK(d && jstr_is(d, "outcome.outcome", "created"), "the same client works after the trap");
    json_free(d);
    const char *validate = "{\"v\":1,\"kind\":\"agent\",\"request\":{\"systemId\":\"" AGENT_SYSTEM "\",\"partyOrgNo\":\"310816191\",\"rights\":[]}}";
    su_buffer_t *buf = NULL;
    CHECK(!take(su_client_validate(tc, (const uint8_t *)validate, strlen(validate), &buf), &e), "validate: %s", e.message);
    d = buf ? take_buffer(buf) : NULL;
    CHECK(d && jget(d, "valid") && !jget(d, "valid")->b && jget(d, "violations")->n >= 1, "an agent request with rights is invalid");
    json_free(d);
    su_client_delete(tc);
    su_runtime_delete(trap_rt);
}

static void test_misuse(void) {
    su_client_t *c = client_for(RUNTIME, 0, 3);
    binding bd = {TOKEN, 0};
    abi_error e = {"", ""};
    const char *task = "{\"v\":1,\"task\":\"get-registered-system\",\"systemId\":\"" STANDARD_SYSTEM "\"}";
    const char *waited = "{\"v\":1,\"input\":\"waited\"}";
    su_operation_t *op = NULL;
    su_buffer_t *buf = NULL;
    CHECK(!take(su_operation_new(c, (const uint8_t *)task, strlen(task), &op), &e), "new");
    CHECK(take(su_operation_advance(op, (const uint8_t *)waited, strlen(waited), &buf), &e) && !strcmp(e.kind, "misuse"), "advance before start");
    CHECK(!take(su_operation_start(op, &buf), &e), "start");
    json *step = take_buffer(buf);
    CHECK(jstr_is(step, "step", "token"), "a token step");
    CHECK(take(su_operation_start(op, &buf), &e) && !strcmp(e.kind, "misuse"), "start twice");
    CHECK(take(su_operation_advance(op, (const uint8_t *)waited, strlen(waited), &buf), &e) && !strcmp(e.kind, "misuse"),
          "waited for a token step: %s", e.kind);
    /* Still waiting for the token: answer it properly and finish. */
    while (step && !jstr_is(step, "step", "done")) {
        sbuf input = {0};
        answer(&bd, step, &input);
        json_free(step);
        step = NULL;
        if (!take(su_operation_advance(op, (const uint8_t *)input.data, input.len, &buf), &e)) step = take_buffer(buf);
        free(input.data);
    }
    CHECK(step && jstr_is(step, "outcome.outcome", "registered-system"), "done after the misuse");
    /* After done: the same step again, the input not read. */
    CHECK(!take(su_operation_advance(op, (const uint8_t *)"garbage", 7, &buf), &e), "advance after done");
    json *again = take_buffer(buf);
    CHECK(again && jstr_is(again, "outcome.system.id", STANDARD_SYSTEM), "the result is kept");
    json_free(again);
    json_free(step);
    su_operation_delete(op);
    su_client_delete(c);
}

/* ---- 8 threads, one client ------------------------------------------------------------- */

#define THREADS 8
#define PER_THREAD 25
static su_client_t *SHARED;
static const char *CUSTOMERS[] = {"310816191", "314224965", "317103360", "316501389", "313981436", "316859356",
                                  "312317761", "313526011", "314941888", "313093808", "314456726"};

static void *creator(void *arg) {
    long t = (long)arg;
    binding bd = {TOKEN, 0};
    long created = 0;
    for (int i = 0; i < PER_THREAD; i++) {
        char task[1024], ref[64];
        abi_error e = {"", ""};
        snprintf(ref, sizeof ref, "pthread-%ld-%d", t, i);
        create_task(task, sizeof task, CUSTOMERS[(t + i) % 11], ref);
        json *d = run_op(SHARED, &bd, task, &e, NULL);
        if (d && jstr_is(d, "outcome.outcome", "created") && jget(jget(d, "outcome"), "isNew")->b) created++;
        else fprintf(stderr, "  thread %ld create %d: %s\n", t, i, d ? "not new" : e.message);
        json_free(d);
    }
    return (void *)created;
}

static void test_threads_share_one_client(void) {
    SHARED = client_for(RUNTIME, 0, 3);
    pthread_t threads[THREADS];
    long long started = now_ms();
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, creator, (void *)t);
    long total = 0;
    for (int t = 0; t < THREADS; t++) {
        void *n;
        pthread_join(threads[t], &n);
        total += (long)n;
    }
    printf("  %ld creates from %d pthreads in %lld ms\n", total, THREADS, now_ms() - started);
    CHECK(total == THREADS * PER_THREAD, "created %ld", total);
    json *dedupe = admin("GET", "/_sim/dedupe", NULL);
    const json *keys = jget(dedupe, "keys");
    long ours = 0, duplicates = 0;
    for (size_t i = 0; keys && i < keys->n; i++) {
        const char *ref = jstr(keys->items[i], "externalRef");
        if (!ref || strncmp(ref, "pthread-", 8)) continue;
        ours++;
        if (jnum(keys->items[i], "requestsStored") != 1 || jnum(keys->items[i], "createCalls") != 1) duplicates++;
    }
    CHECK(ours == THREADS * PER_THREAD, "dedupe keys: %ld", ours);
    CHECK(duplicates == 0, "duplicates: %ld", duplicates);
    printf("  dedupe: %ld keys, %ld duplicates\n", ours, duplicates);
    json_free(dedupe);
    su_client_delete(SHARED);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BASE_URL COMPONENT.wasm TEST_TRAP_COMPONENT.wasm TEST_ONLY_KEY.pem\n", argv[0]);
        return 2;
    }
    BASE = argv[1];
    COMPONENT = argv[2];
    TRAP_COMPONENT = argv[3];
    FILE *f = fopen(argv[4], "r");
    KEY = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!KEY) { fprintf(stderr, "cannot read the TEST-ONLY key %s\n", argv[4]); return 2; }
    json *minted = admin("POST", "/_sim/token",
                         "{\"vendorOrgNo\":\"314248295\",\"scopes\":[\"altinn:authentication/systemuser.request.read\","
                         "\"altinn:authentication/systemuser.request.write\",\"altinn:authentication/systemregister.write\"]}");
    if (!minted || !jstr(minted, "access_token")) { fprintf(stderr, "cannot mint a token at %s\n", BASE); return 2; }
    snprintf(TOKEN, sizeof TOKEN, "%s", jstr(minted, "access_token"));
    json_free(minted);
    RUNTIME = load(COMPONENT);
    if (!RUNTIME) return 2;

    long long started = now_ms();
    run_test("abi version", test_abi_version);
    run_test("every task kind", test_every_task_kind);
    run_test("system-user token with a signing binding", test_system_user_token_with_a_signing_binding);
    run_test("system register and client delegation", test_system_register_and_client_delegation);
    run_test("component errors in done steps", test_component_errors_in_done_steps);
    run_test("library error kinds", test_library_error_kinds);
    run_test("misuse", test_misuse);
    run_test("8 threads share one client", test_threads_share_one_client);

    su_runtime_delete(RUNTIME);
    EVP_PKEY_free(KEY);
    printf("pump.c: %d passed, %d failed in %.2fs\n", passed, failed, (double)(now_ms() - started) / 1000.0);
    return failed ? 1 : 0;
}
