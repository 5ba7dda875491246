/*
 * openloop: an open-loop HTTP/1.1 load generator for the inkv data-plane server, corrected for
 * coordinated omission, in C so that it leaves the server most of a small machine's CPU.
 *
 * Workload (the small cache server's, the same as HttpLoad and server-mix.lua): `keys` keys named
 * key00000 .. key09999, 80% GET /get/{key}, 20% POST /store/{key} with the 12-byte body
 * "hello world!", keys uniform at random, HTTP/1.1 keep-alive over `connections` connections. The
 * operation and key of request i come from a replica of java.util.SplittableRandom seeded with 42
 * (nextDouble() < reads, then nextInt(keys)), reseeded for every run of the schedule as HttpLoad
 * does, so both generators send the same sequence of requests. Before the first rate every key is
 * stored once (POST, in key order, at 20,000 requests/s), so the GETs hit.
 *
 * Open loop: request i of a run is due at start + i / rate, whatever happened to the requests
 * before it. It goes out on the first idle connection at or after its due time; when every
 * connection is busy it waits in the generator's queue (FIFO), and its latency is still measured
 * from its due time: latency = the time its response has been fully parsed - the time it was due.
 * A server that stalls for a second therefore shows every request that fell due during the second
 * as late, as a population of independent clients would see it, instead of the generator quietly
 * sending fewer requests while it waits (coordinated omission). The queue needs no
 * memory: requests are sent in index order, so the queued ones are exactly the indices from the
 * next one to send up to the last one due, and each one's due time is computed from its index.
 *
 * One thread, one epoll set, non-blocking sockets with TCP_NODELAY, one request in flight per
 * connection (no pipelining, as HttpLoad and browsers do). The thread sleeps in epoll_pwait2 with
 * a nanosecond timeout until the next request is due or a socket is ready (a timerfd stands in
 * where the kernel or C library lacks epoll_pwait2), and its timer slack is set to 1 ns so the
 * kernel does not round those sleeps up by its default 50 us. A request sent late because the
 * generator itself was slow is charged to the latency too: the figures can only err on the
 * pessimistic side. How long requests waited to go out (send time - due time: the wait for a free
 * connection plus the generator's own lateness) is reported as its p99, lag99, and the generator's
 * CPU use as cpu% (100 = one core), so a saturated generator shows in its own output. Nearly all
 * of that CPU is the kernel's loopback TCP path (a send on loopback also runs the receiving side's
 * network stack): the generator's own code is a few percent of it.
 *
 * Responses are parsed as HTTP/1.1: status line, headers, a body delimited by Content-Length or by
 * Transfer-Encoding: chunked (decoded and skipped), no body for 1xx, 204 and 304; interim 1xx
 * responses are skipped, "Connection: close" makes the connection reconnect after the response.
 * A response delimited only by the connection's close, a head over 16 KB or bytes the client did
 * not ask for end the program with a message: they would make the figures meaningless.
 *
 * Latencies go into a log-linear histogram: 1 us buckets up to 1,024 us, then 512 linear buckets
 * per power of two (relative precision 0.2%) up to 60 s; larger values are counted at 60 s, and
 * the exact mean and maximum are kept beside it. A percentile is reported as the upper edge of its
 * bucket, capped at the maximum.
 *
 * A rate is HELD when every scheduled request finished and the last response came no later than
 * 1% + 1 ms after the schedule's length from its start (OpenLoopLatency's rule, the one the
 * benchmark tables use). A run is cut at twice its length + 1 s: requests still unanswered then
 * count as errors ("unfinished") and are recorded in the histogram at their age at the cut, a
 * lower bound of their latency, so a server that stops answering cannot look fast; their
 * connections are reopened before the next run.
 *
 * Check of the correction (2026-11-21, 2 cores, the inkv server on loopback, 64 connections): at
 * 5,000 requests/s for 5 s, the server stopped with SIGSTOP for 1 s in the middle of the measured
 * run and resumed with SIGCONT gave mean 110 ms, p50 0.080 ms, p90 544 ms, p95 775 ms, p99 961 ms,
 * max 1,004 ms, the rate still held (the server caught up within the run), against p99 0.19 ms
 * without the stop. That is what the schedule predicts: a fifth of the requests fell due during
 * the stop and each waited for its end, so their latencies spread evenly over 0-1,000 ms. lag99
 * (948 ms) shows where they waited: in the generator's queue, every connection being held by a
 * request the stopped server had not answered. Measured from the actual send instead, only those
 * 64 requests would have looked slow.
 *
 * Usage: openloop http://HOST:PORT rates=10000,20000 [duration=10] [warmup=3] [connections=64]
 *                 [keys=10000] [reads=0.8] [preload=true] [csv=FILE]
 * Prints one line per rate (latencies in ms from the due time), in HttpLoad's columns plus p90,
 * held, the status classes, socket errors, reconnects, lag99 and cpu%; csv=FILE appends the same
 * figures as one CSV row per rate (with a header when the file is new). Build:
 *   gcc -O2 -Wall -Wextra -Werror -o benchmarks/target/openloop benchmarks/load/openloop.c -lm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define HAVE_EPOLL_PWAIT2 1
#endif

#define NS_PER_S 1000000000ULL
#define NS_PER_MS 1000000ULL
#define IN_CAP 16384          /* per-connection receive buffer: a response head must fit */
#define OUT_CAP 512           /* per-connection request buffer */
#define MAX_EVENTS 256
#define RETRY_NS (100 * NS_PER_MS) /* a connection that could not connect tries again after this */
#define TIMER_TAG UINT32_MAX  /* epoll tag of the fallback timerfd */
#define PRELOAD_RATE 20000
#define BODY "hello world!"   /* the 12-byte value of every POST */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("openloop: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------------------------
 * java.util.SplittableRandom, bit for bit: the same seed gives HttpLoad's operation and key
 * sequence (nextDouble and nextInt(bound) as JDK 17 defines them).
 */
typedef struct {
    uint64_t seed;
} rng_t;

static uint64_t rng_next_seed(rng_t *r) { return r->seed += 0x9e3779b97f4a7c15ULL; }

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t mix32(uint64_t z) {
    z = (z ^ (z >> 33)) * 0x62a9d9ed799705f5ULL;
    return (uint32_t)(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3ULL) >> 32);
}

static double rng_double(rng_t *r) { return (double)(mix64(rng_next_seed(r)) >> 11) * 0x1.0p-53; }

/* nextInt(bound), bound > 0: a power of two takes the low bits; otherwise rejection sampling on
 * 31-bit draws, rejecting the draws whose bucket would overflow an int (Java's u + m - r < 0). */
static uint32_t rng_int(rng_t *r, uint32_t bound) {
    uint32_t x = mix32(rng_next_seed(r));
    uint32_t m = bound - 1;
    if ((bound & m) == 0) {
        return x & m;
    }
    for (uint32_t u = x >> 1;; u = mix32(rng_next_seed(r)) >> 1) {
        uint32_t v = u % bound;
        if ((uint64_t)u + m - v <= INT32_MAX) {
            return v;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Log-linear latency histogram over microseconds: values below H_EXACT have a bucket each; the
 * values in [2^k, 2^(k+1)) for k >= 10 share H_SUB buckets of width 2^(k-9).
 */
#define H_EXACT 1024
#define H_SUB 512
#define H_MAX_US (60ULL * 1000000) /* 60 s, below 2^26 us */
#define H_BUCKETS (H_EXACT + (26 - 10) * H_SUB)

typedef struct {
    uint64_t count[H_BUCKETS];
    uint64_t n, sum_ns, max_ns;
} hist_t;

static unsigned h_index(uint64_t us) {
    if (us > H_MAX_US) {
        us = H_MAX_US;
    }
    if (us < H_EXACT) {
        return (unsigned)us;
    }
    unsigned k = 63 - (unsigned)__builtin_clzll(us); /* 10 .. 25 */
    return H_EXACT + (k - 10) * H_SUB + (unsigned)((us >> (k - 9)) - H_SUB);
}

/* The highest value (us) that falls in bucket idx. */
static uint64_t h_upper_us(unsigned idx) {
    if (idx < H_EXACT) {
        return idx;
    }
    unsigned group = (idx - H_EXACT) / H_SUB, sub = (idx - H_EXACT) % H_SUB;
    return ((uint64_t)(H_SUB + sub + 1) << (group + 1)) - 1;
}

static void h_record(hist_t *h, uint64_t ns) {
    h->count[h_index(ns / 1000)]++;
    h->n++;
    h->sum_ns += ns;
    if (ns > h->max_ns) {
        h->max_ns = ns;
    }
}

static double h_mean_ms(const hist_t *h) { return h->n ? (double)h->sum_ns / h->n / 1e6 : 0; }

/* The value at percentile p (0..100) in ms: the upper edge of the bucket holding the
 * ceil(p% * n)-th smallest value, capped at the exact maximum. */
static double h_pct_ms(const hist_t *h, double p) {
    if (h->n == 0) {
        return 0;
    }
    uint64_t rank = (uint64_t)(p / 100.0 * (double)h->n);
    if ((double)rank < p / 100.0 * (double)h->n) {
        rank++;
    }
    if (rank < 1) {
        rank = 1;
    }
    uint64_t seen = 0;
    for (unsigned i = 0; i < H_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            uint64_t ns = (h_upper_us(i) + 1) * 1000 - 1;
            return (double)(ns < h->max_ns ? ns : h->max_ns) / 1e6;
        }
    }
    return (double)h->max_ns / 1e6;
}

/* ---------------------------------------------------------------------------------------------
 * Connections and the response parser.
 */
enum conn_state { C_DOWN, C_CONNECTING, C_IDLE, C_BUSY };
enum parse_state { P_HEAD, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_TRAILER };

typedef struct {
    int fd;
    enum conn_state state;
    bool in_ring;     /* listed in the idle ring (possibly stale: the ring skips non-idle entries) */
    bool want_out;    /* EPOLLOUT is in the epoll mask */
    uint64_t due;     /* due time of the request in flight */
    uint64_t retry_at;
    char out[OUT_CAP];
    size_t out_len, out_off;
    enum parse_state ps;
    int status;
    bool close_after; /* the response says Connection: close */
    uint64_t remaining; /* body or chunk bytes still to skip */
    size_t in_len;
    char in[IN_CAP];
} conn_t;

/* What one run of the schedule counts. */
typedef struct {
    hist_t lat; /* completion - due */
    hist_t lag; /* send - due: the generator's queueing and its own lateness */
    uint64_t finished; /* requests answered or failed */
    uint64_t responses, s2xx, s404, s4xx, s5xx, sother;
    uint64_t failed;   /* requests lost with their connection */
    uint64_t sockerr, reconnects, unfinished;
    uint64_t last_ns;  /* time of the last response */
} stats_t;

static struct {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[256];       /* the Host header: host:port as given */
    int ep, tfd;
    bool no_pwait2;
    conn_t *conns;
    unsigned nconns, idle, down; /* connections idle, and waiting to try connecting again */
    unsigned *ring;       /* FIFO of idle connections, as HttpLoad's idle deque */
    unsigned ring_head, ring_len;
    stats_t *st;          /* the current run's counters */
    bool record;          /* histograms are filled (not in warm-up or preload) */
} g;

static void ep_set(conn_t *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - g.conns)};
    if (epoll_ctl(g.ep, op, c->fd, &ev) < 0) {
        die("epoll_ctl: %s", strerror(errno));
    }
}

static void want_out(conn_t *c, bool on) {
    if (c->want_out != on) {
        ep_set(c, on ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
        c->want_out = on;
    }
}

static void make_idle(conn_t *c) {
    c->state = C_IDLE;
    g.idle++;
    if (!c->in_ring) {
        g.ring[(g.ring_head + g.ring_len++) % g.nconns] = (unsigned)(c - g.conns);
        c->in_ring = true;
    }
}

static conn_t *take_idle(void) {
    while (g.ring_len > 0) {
        conn_t *c = &g.conns[g.ring[g.ring_head]];
        g.ring_head = (g.ring_head + 1) % g.nconns;
        g.ring_len--;
        c->in_ring = false;
        if (c->state == C_IDLE) {
            g.idle--;
            return c;
        }
    }
    die("internal error: no idle connection in the ring");
}

static void reset_parser(conn_t *c) {
    c->ps = P_HEAD;
    c->in_len = 0;
    c->close_after = false;
}

/* A socket error: counts it, closes c and leaves it down until RETRY_NS from now. */
static void conn_down(conn_t *c) {
    g.st->sockerr++;
    close(c->fd);
    c->fd = -1;
    c->state = C_DOWN;
    c->retry_at = now_ns() + RETRY_NS;
    g.down++;
}

/* Opens c's socket and starts a non-blocking connect; blocking at start-up, so that a wrong
 * address fails at once with its reason. */
static void conn_open(conn_t *c, bool blocking) {
    c->fd = socket(g.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
    if (c->fd < 0) {
        die("socket: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    reset_parser(c);
    c->want_out = false;
    int rc = connect(c->fd, (struct sockaddr *)&g.addr, g.addrlen);
    if (blocking) {
        if (rc < 0) {
            die("cannot connect to %s: %s", g.host, strerror(errno));
        }
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        ep_set(c, EPOLLIN, EPOLL_CTL_ADD);
        make_idle(c);
    } else if (rc == 0) {
        ep_set(c, EPOLLIN, EPOLL_CTL_ADD);
        make_idle(c);
    } else if (errno == EINPROGRESS) {
        ep_set(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
        c->want_out = true;
        c->state = C_CONNECTING;
    } else {
        conn_down(c);
    }
}

/* Closes c and opens it again; the request in flight, if any, is lost (counted as failed). */
static void conn_reopen(conn_t *c, bool error) {
    if (c->state == C_BUSY) {
        g.st->failed++;
        g.st->finished++;
    } else if (c->state == C_IDLE) {
        g.idle--;
    }
    if (error) {
        g.st->sockerr++;
    }
    g.st->reconnects++;
    if (c->fd >= 0) {
        close(c->fd); /* also leaves the epoll set */
    }
    conn_open(c, false);
}

static void connect_done(conn_t *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        err = errno;
    }
    if (err == 0) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        if (getpeername(c->fd, (struct sockaddr *)&peer, &plen) < 0) {
            return; /* a stale event of the socket this one replaced: still connecting */
        }
        want_out(c, false);
        make_idle(c);
        return;
    }
    conn_down(c);
}

/* Writes what is left of c's request; asks for EPOLLOUT when the socket is full. */
static void flush(conn_t *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                want_out(c, true);
                return;
            }
            if (errno == EINTR) {
                continue;
            }
            conn_reopen(c, true);
            return;
        }
        c->out_off += (size_t)n;
    }
    want_out(c, false);
}

/* Case-insensitive: does the header line [p, end) have this name? Returns its trimmed value. */
static const char *header_value(const char *p, const char *end, const char *name, size_t *vlen) {
    size_t n = strlen(name);
    if ((size_t)(end - p) <= n || strncasecmp(p, name, n) != 0 || p[n] != ':') {
        return NULL;
    }
    p += n + 1;
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    *vlen = (size_t)(end - p);
    return p;
}

static bool value_has(const char *v, size_t len, const char *token) {
    size_t n = strlen(token);
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(v + i, token, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Parses the head in [p, end) (up to and excluding the blank line) and chooses how the body ends. */
static void parse_head(conn_t *c, const char *p, const char *end) {
    if (end - p < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '5'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9') {
        die("malformed status line from %s: \"%.*s\"", g.host, (int)strcspn(p, "\r"), p);
    }
    c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    bool has_length = false, chunked = false;
    uint64_t length = 0;
    const char *line = memchr(p, '\n', (size_t)(end - p));
    while (line && ++line < end) {
        const char *eol = memchr(line, '\r', (size_t)(end - line));
        if (!eol) {
            eol = end;
        }
        const char *v;
        size_t vlen;
        if ((v = header_value(line, eol, "Content-Length", &vlen))) {
            char *stop;
            char num[32];
            if (vlen == 0 || vlen >= sizeof num) {
                die("bad Content-Length from %s", g.host);
            }
            memcpy(num, v, vlen);
            num[vlen] = 0;
            length = strtoull(num, &stop, 10);
            if (*stop) {
                die("bad Content-Length from %s: \"%s\"", g.host, num);
            }
            has_length = true;
        } else if ((v = header_value(line, eol, "Transfer-Encoding", &vlen))) {
            chunked = value_has(v, vlen, "chunked");
            if (!chunked) {
                die("unsupported Transfer-Encoding from %s: \"%.*s\"", g.host, (int)vlen, v);
            }
        } else if ((v = header_value(line, eol, "Connection", &vlen))) {
            c->close_after = value_has(v, vlen, "close");
        }
        line = memchr(eol, '\n', (size_t)(end - eol));
    }
    if (c->status < 200 || c->status == 204 || c->status == 304) {
        c->remaining = 0;
        c->ps = P_BODY;
    } else if (chunked) {
        c->ps = P_CHUNK_SIZE;
    } else if (has_length) {
        c->remaining = length;
        c->ps = P_BODY;
    } else {
        die("a %d response from %s has neither Content-Length nor chunked encoding (a body ended by "
            "the connection's close is not supported)", c->status, g.host);
    }
}

/* Consumes what c->in holds. Returns true when a whole response has been read (c->status). Body
 * bytes are skipped as they come, so the buffer only ever holds a head or a chunk-size line. */
static bool parse(conn_t *c) {
    size_t pos = 0;
    bool done = false;
    while (!done) {
        char *p = c->in + pos;
        size_t avail = c->in_len - pos;
        if (c->ps == P_BODY || c->ps == P_CHUNK_DATA) {
            size_t take = avail < c->remaining ? avail : (size_t)c->remaining;
            pos += take;
            c->remaining -= take;
            if (c->remaining > 0) {
                break;
            }
            if (c->ps == P_CHUNK_DATA) {
                c->ps = P_CHUNK_SIZE;
                continue;
            }
            if (c->status < 200) { /* an interim 1xx: the real response follows */
                c->ps = P_HEAD;
                continue;
            }
            done = true;
            break;
        }
        /* the other states wait for a whole line (P_HEAD: the whole head) */
        char *eol = c->ps == P_HEAD ? memmem(p, avail, "\r\n\r\n", 4) : memmem(p, avail, "\r\n", 2);
        if (!eol) {
            if (avail == IN_CAP) {
                die("a response head or chunk line from %s is over %d bytes", g.host, IN_CAP);
            }
            break;
        }
        if (c->ps == P_HEAD) {
            parse_head(c, p, eol);
            pos += (size_t)(eol - p) + 4;
        } else if (c->ps == P_CHUNK_SIZE) {
            if (eol == p) { /* the CRLF that ends the previous chunk's data */
                pos += 2;
                continue;
            }
            char *stop;
            uint64_t size = strtoull(p, &stop, 16);
            if (stop == p || (stop != eol && *stop != ';' && *stop != ' ')) {
                die("bad chunk size line from %s: \"%.*s\"", g.host, (int)(eol - p), p);
            }
            pos += (size_t)(eol - p) + 2;
            if (size == 0) {
                c->ps = P_TRAILER;
            } else {
                c->remaining = size;
                c->ps = P_CHUNK_DATA;
            }
        } else { /* P_TRAILER: trailer lines up to a blank one */
            pos += (size_t)(eol - p) + 2;
            if (eol == p) {
                done = true;
            }
        }
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return done;
}

static void on_response(conn_t *c, uint64_t t) {
    stats_t *st = g.st;
    if (g.record) {
        h_record(&st->lat, t - c->due);
    }
    st->responses++;
    st->finished++;
    st->last_ns = t;
    int s = c->status;
    if (s >= 200 && s < 300) {
        st->s2xx++;
    } else if (s == 404) {
        st->s404++;
    } else if (s >= 400 && s < 500) {
        st->s4xx++;
    } else if (s >= 500) {
        st->s5xx++;
    } else {
        st->sother++;
    }
    if (c->in_len > 0) {
        die("%zu bytes from %s after a complete %d response, with no request waiting for them", c->in_len,
            g.host, s);
    }
    if (c->close_after) {
        c->state = C_IDLE; /* not busy any more: reopening loses no request */
        g.idle++;
        conn_reopen(c, false);
    } else {
        reset_parser(c);
        make_idle(c);
    }
}

static void on_readable(conn_t *c) {
    ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return;
        }
        conn_reopen(c, true);
        return;
    }
    if (n == 0) { /* closed by the server: an error only if a request was waiting for an answer */
        conn_reopen(c, c->state == C_BUSY);
        return;
    }
    uint64_t t = now_ns();
    if (c->state != C_BUSY) {
        die("%zd unexpected bytes from %s on an idle connection: \"%.*s\"", n, g.host, (int)(n < 80 ? n : 80),
            c->in + c->in_len);
    }
    c->in_len += (size_t)n;
    if (parse(c)) {
        on_response(c, t);
    }
}

static void on_event(conn_t *c, uint32_t ev) {
    if (c->state == C_CONNECTING) {
        connect_done(c);
        return;
    }
    if ((ev & EPOLLOUT) && c->state == C_BUSY && c->out_off < c->out_len) {
        flush(c);
    }
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && (c->state == C_BUSY || c->state == C_IDLE)) {
        on_readable(c);
    }
}

/* Waits for socket events for at most timeout_ns. */
static int wait_events(struct epoll_event *evs, uint64_t timeout_ns) {
#ifdef HAVE_EPOLL_PWAIT2
    if (!g.no_pwait2) {
        struct timespec ts = {.tv_sec = (time_t)(timeout_ns / NS_PER_S), .tv_nsec = (long)(timeout_ns % NS_PER_S)};
        int n = epoll_pwait2(g.ep, evs, MAX_EVENTS, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) {
            return n;
        }
        g.no_pwait2 = true;
    }
#else
    g.no_pwait2 = true;
#endif
    if (timeout_ns == 0) {
        return epoll_wait(g.ep, evs, MAX_EVENTS, 0);
    }
    if (g.tfd < 0) { /* epoll_wait alone sleeps in whole milliseconds: a timerfd wakes it instead */
        g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TIMER_TAG};
        if (g.tfd < 0 || epoll_ctl(g.ep, EPOLL_CTL_ADD, g.tfd, &ev) < 0) {
            die("timerfd: %s", strerror(errno));
        }
    }
    struct itimerspec its = {.it_value = {.tv_sec = (time_t)(timeout_ns / NS_PER_S),
                                          .tv_nsec = (long)(timeout_ns % NS_PER_S)}};
    timerfd_settime(g.tfd, 0, &its, NULL);
    return epoll_wait(g.ep, evs, MAX_EVENTS, -1);
}

/* ---------------------------------------------------------------------------------------------
 * One run of the schedule: `total` requests at `rate` per second, request i due at
 * start + i / rate. Preload stores every key once, in order.
 */
typedef struct {
    uint64_t rate, total, start_ns, length_ns;
    bool held;
    double achieved, cpu_pct;
} run_t;

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec
           + ru.ru_stime.tv_usec / 1e6;
}

static run_t run(stats_t *st, bool record, uint64_t rate, uint64_t total, unsigned keys, double reads,
                 bool preload) {
    memset(st, 0, sizeof *st);
    g.st = st;
    g.record = record;
    rng_t rng = {42};
    run_t r = {.rate = rate, .total = total, .length_ns = total * NS_PER_S / rate};
    double cpu0 = cpu_seconds();
    uint64_t start = now_ns() + NS_PER_MS;
    uint64_t cutoff = start + 2 * r.length_ns + NS_PER_S;
    uint64_t next = 0; /* the next request to send; those in [next, due by now) are queued */
    struct epoll_event evs[MAX_EVENTS];
    r.start_ns = start;

    while (st->finished < total) {
        uint64_t now = now_ns();
        if (now >= cutoff) {
            break;
        }
        /* send every request that is due, while a connection is idle */
        while (next < total && g.idle > 0) {
            uint64_t due = start + next * NS_PER_S / rate;
            if (due > now) {
                break;
            }
            conn_t *c = take_idle();
            bool get = rng_double(&rng) < reads;
            unsigned key = preload ? (unsigned)(next % keys) : rng_int(&rng, keys);
            int len = get ? snprintf(c->out, OUT_CAP, "GET /get/key%05u HTTP/1.1\r\nHost: %s\r\n\r\n", key, g.host)
                          : snprintf(c->out, OUT_CAP,
                                     "POST /store/key%05u HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n\r\n%s",
                                     key, g.host, sizeof BODY - 1, BODY);
            c->out_len = (size_t)len;
            c->out_off = 0;
            c->due = due;
            c->state = C_BUSY;
            if (record) {
                h_record(&st->lag, now - due);
            }
            next++;
            flush(c);
        }
        /* sleep until the next request is due (if a connection could take it), a reconnect is
         * due, or a socket is ready */
        uint64_t wake = cutoff;
        if (next < total && g.idle > 0) {
            uint64_t due = start + next * NS_PER_S / rate;
            wake = due < wake ? due : wake;
        }
        for (unsigned i = 0; g.down > 0 && i < g.nconns; i++) {
            conn_t *c = &g.conns[i];
            if (c->state == C_DOWN && c->fd < 0) {
                if (c->retry_at <= now) {
                    g.down--;
                    conn_open(c, false);
                } else if (c->retry_at < wake) {
                    wake = c->retry_at;
                }
            }
        }
        now = now_ns();
        int n = wait_events(evs, wake > now ? wake - now : 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 == TIMER_TAG) {
                uint64_t expirations;
                if (read(g.tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) {
                    die("timerfd read: %s", strerror(errno));
                }
                continue;
            }
            on_event(&g.conns[evs[i].data.u32], evs[i].events);
        }
    }

    /* Cut: what is still queued or in flight is unfinished; each one is recorded at its age now,
     * a lower bound of its latency, and the connections holding one are reopened. */
    uint64_t end = now_ns();
    if (st->finished < total) {
        for (uint64_t i = next; i < total; i++) {
            if (record) {
                h_record(&st->lat, end - (start + i * NS_PER_S / rate));
            }
            st->unfinished++;
        }
        for (unsigned i = 0; i < g.nconns; i++) {
            conn_t *c = &g.conns[i];
            if (c->state == C_BUSY) {
                if (record) {
                    h_record(&st->lat, end - c->due);
                }
                st->unfinished++;
                c->state = C_DOWN; /* reopened without counting its request as failed */
                conn_reopen(c, false);
            }
        }
    }
    r.held = st->unfinished == 0 && st->last_ns - start <= r.length_ns + r.length_ns / 100 + NS_PER_MS;
    /* responses per second over the schedule's length, or until the last response if later */
    uint64_t elapsed = st->last_ns > start + r.length_ns ? st->last_ns - start : r.length_ns;
    r.achieved = (double)st->responses / ((double)elapsed / 1e9);
    r.cpu_pct = 100.0 * (cpu_seconds() - cpu0) / ((double)(end - start) / 1e9);
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Command line, output.
 */
static void usage(void) {
    fprintf(stderr, "usage: openloop http://HOST:PORT rates=10000,20000 [duration=10] [warmup=3] [connections=64]\n"
                    "                [keys=10000] [reads=0.8] [preload=true] [csv=FILE]\n");
    exit(2);
}

static void resolve(const char *url) {
    if (strncmp(url, "http://", 7) != 0) {
        die("only http:// URLs are supported, not \"%s\"", url);
    }
    const char *h = url + 7;
    size_t hlen = strcspn(h, "/");
    if (hlen == 0 || hlen >= sizeof g.host) {
        die("bad URL \"%s\"", url);
    }
    memcpy(g.host, h, hlen);
    g.host[hlen] = 0;
    char name[256], port[16] = "80";
    const char *colon = strrchr(g.host, ':');
    const char *bracket = strchr(g.host, ']');
    size_t nlen = colon && (!bracket || colon > bracket) ? (size_t)(colon - g.host) : hlen;
    if (nlen < hlen) {
        snprintf(port, sizeof port, "%s", colon + 1);
    }
    memcpy(name, g.host, nlen);
    name[nlen] = 0;
    if (name[0] == '[' && nlen >= 2 && name[nlen - 1] == ']') { /* [::1]:8080 */
        memmove(name, name + 1, nlen - 2);
        name[nlen - 2] = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(name, port, &hints, &ai);
    if (rc != 0) {
        die("cannot resolve %s: %s", g.host, gai_strerror(rc));
    }
    memcpy(&g.addr, ai->ai_addr, ai->ai_addrlen);
    g.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static double number(const char *key, const char *v) {
    char *end;
    double d = strtod(v, &end);
    if (*v == 0 || *end != 0 || d < 0) {
        die("bad value for %s: \"%s\"", key, v);
    }
    return d;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        usage();
    }
    uint64_t rates[64];
    unsigned nrates = 0, keys = 10000;
    double duration = 10, warmup = 3, reads = 0.8;
    unsigned connections = 64;
    bool preload = true;
    const char *csv = NULL;
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            usage();
        }
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (strcmp(k, "rates") == 0) {
            for (char *tok = strtok(eq + 1, ","); tok; tok = strtok(NULL, ",")) {
                if (nrates == sizeof rates / sizeof rates[0]) {
                    die("at most %zu rates", sizeof rates / sizeof rates[0]);
                }
                rates[nrates] = (uint64_t)number(k, tok);
                if (rates[nrates] == 0) {
                    die("a rate must be positive");
                }
                nrates++;
            }
        } else if (strcmp(k, "duration") == 0) {
            duration = number(k, v);
        } else if (strcmp(k, "warmup") == 0) {
            warmup = number(k, v);
        } else if (strcmp(k, "connections") == 0) {
            connections = (unsigned)number(k, v);
        } else if (strcmp(k, "keys") == 0) {
            keys = (unsigned)number(k, v);
        } else if (strcmp(k, "reads") == 0) {
            reads = number(k, v);
        } else if (strcmp(k, "preload") == 0) {
            preload = strcmp(v, "true") == 0;
        } else if (strcmp(k, "csv") == 0) {
            csv = v;
        } else {
            die("unknown argument %s=%s", k, v);
        }
    }
    if (nrates == 0 || connections == 0 || connections > 100000 || keys == 0 || keys > INT32_MAX
        || duration <= 0 || reads > 1) {
        usage();
    }

    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* sleep to the microsecond, not the default 50 us */
    resolve(argv[1]);
    g.ep = epoll_create1(EPOLL_CLOEXEC);
    g.tfd = -1;
    g.nconns = connections;
    g.conns = calloc(connections, sizeof *g.conns);
    g.ring = calloc(connections, sizeof *g.ring);
    static stats_t st; /* 150 KB of histograms: not on the stack */
    if (g.ep < 0 || !g.conns || !g.ring) {
        die("out of memory or epoll: %s", strerror(errno));
    }
    g.st = &st;
    for (unsigned i = 0; i < connections; i++) {
        conn_open(&g.conns[i], true);
    }

    if (preload) {
        uint64_t t0 = now_ns();
        run(&st, false, PRELOAD_RATE, keys, keys, 0.0, true);
        if (st.s2xx != keys) {
            die("preload: %llu of %u stores answered 2xx (404 %llu, 4xx %llu, 5xx %llu, failed %llu, unfinished %llu)",
                (unsigned long long)st.s2xx, keys, (unsigned long long)st.s404, (unsigned long long)st.s4xx,
                (unsigned long long)st.s5xx, (unsigned long long)st.failed, (unsigned long long)st.unfinished);
        }
        fprintf(stderr, "openloop: preloaded %u keys in %.2f s\n", keys, (double)(now_ns() - t0) / 1e9);
    }

    FILE *out = NULL;
    if (csv) {
        struct stat sb;
        bool fresh = stat(csv, &sb) != 0 || sb.st_size == 0;
        if (!(out = fopen(csv, "a"))) {
            die("cannot open %s: %s", csv, strerror(errno));
        }
        if (fresh) {
            fprintf(out, "target,url,offered,duration_s,connections,scheduled,completed,achieved_per_s,held,"
                         "mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,errors,s2xx,s404,s4xx,s5xx,sother,"
                         "failed,unfinished,socket_errors,reconnects,lag_p99_ms,cpu_pct,load1\n");
        }
    }

    printf("%-6s %9s %9s %8s %8s %8s %8s %8s %8s %8s %7s %4s %8s %6s %5s %5s %7s %6s %7s %5s\n", "target",
           "offered", "achieved", "mean", "p50", "p90", "p95", "p99", "p99.9", "max", "errors", "held", "2xx", "404",
           "4xx", "5xx", "sockerr", "reconn", "lag99", "cpu%");
    fflush(stdout);
    for (unsigned i = 0; i < nrates; i++) {
        uint64_t rate = rates[i];
        if (warmup > 0) {
            run(&st, false, rate, (uint64_t)((double)rate * warmup), keys, reads, false);
        }
        uint64_t total = (uint64_t)((double)rate * duration);
        if (total == 0) {
            die("duration %.3f s holds no request at %llu/s", duration, (unsigned long long)rate);
        }
        run_t r = run(&st, true, rate, total, keys, reads, false);
        uint64_t errors = st.responses - st.s2xx - st.s404 + st.failed + st.unfinished;
        printf("%-6s %9llu %9.0f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %7llu %4s %8llu %6llu %5llu %5llu %7llu "
               "%6llu %7.3f %5.1f\n",
               "http", (unsigned long long)rate, r.achieved, h_mean_ms(&st.lat), h_pct_ms(&st.lat, 50),
               h_pct_ms(&st.lat, 90), h_pct_ms(&st.lat, 95), h_pct_ms(&st.lat, 99), h_pct_ms(&st.lat, 99.9),
               (double)st.lat.max_ns / 1e6, (unsigned long long)errors, r.held ? "yes" : "NO",
               (unsigned long long)st.s2xx, (unsigned long long)st.s404, (unsigned long long)st.s4xx,
               (unsigned long long)st.s5xx, (unsigned long long)st.sockerr, (unsigned long long)st.reconnects,
               h_pct_ms(&st.lag, 99), r.cpu_pct);
        fflush(stdout);
        if (out) {
            char load1[32] = "";
            FILE *la = fopen("/proc/loadavg", "r");
            if (la) {
                if (fscanf(la, "%31s", load1) != 1) {
                    load1[0] = 0;
                }
                fclose(la);
            }
            fprintf(out, "http,%s,%llu,%.3f,%u,%llu,%llu,%.0f,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,"
                         "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.1f,%s\n",
                    argv[1], (unsigned long long)rate, duration, connections, (unsigned long long)total,
                    (unsigned long long)st.responses, r.achieved, r.held ? "yes" : "no", h_mean_ms(&st.lat),
                    h_pct_ms(&st.lat, 50), h_pct_ms(&st.lat, 90), h_pct_ms(&st.lat, 95), h_pct_ms(&st.lat, 99),
                    h_pct_ms(&st.lat, 99.9), (double)st.lat.max_ns / 1e6, (unsigned long long)errors,
                    (unsigned long long)st.s2xx, (unsigned long long)st.s404, (unsigned long long)st.s4xx,
                    (unsigned long long)st.s5xx, (unsigned long long)st.sother, (unsigned long long)st.failed,
                    (unsigned long long)st.unfinished, (unsigned long long)st.sockerr,
                    (unsigned long long)st.reconnects, h_pct_ms(&st.lag, 99), r.cpu_pct, load1);
            fflush(out);
        }
    }
    if (out) {
        fclose(out);
    }
    return 0;
}
