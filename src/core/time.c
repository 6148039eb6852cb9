/*
 * time.c - RFC 3339 UTC timestamps as STIX and TAXII write them: "YYYY-MM-DDTHH:MM:SS[.f]Z".
 * Parsing is strict (fixed field widths, 'T' and 'Z' upper case, real calendar dates, leap
 * seconds folded into the next second is not attempted: second 60 is refused).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kizuna/core.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
int64_t kz_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(kz_sv s, size_t at, size_t n, unsigned *out)
{
    unsigned v = 0;

    if (at + n > s.n)
        return false;
    for (size_t i = at; i < at + n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

kz_rc kz_time_parse(kz_sv s, kz_time *out, kz_err *err)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned Y, M, D, h, m, sec, ns = 0;
    size_t i = 19;
    int fd = 0;

    if (!digits(s, 0, 4, &Y) || s.n < 20 || s.p[4] != '-' || !digits(s, 5, 2, &M) ||
        s.p[7] != '-' || !digits(s, 8, 2, &D) || s.p[10] != 'T' || !digits(s, 11, 2, &h) ||
        s.p[13] != ':' || !digits(s, 14, 2, &m) || s.p[16] != ':' || !digits(s, 17, 2, &sec))
        goto bad;
    if (s.p[i] == '.') {
        i++;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (fd == 9)
                return kz_fail(err, KZ_EINVAL,
                               "\"%.*s\" has more than 9 fraction digits (nanoseconds at most)",
                               (int)(s.n > 64 ? 64 : s.n), s.p);
            ns = ns * 10 + (unsigned)(s.p[i] - '0');
            fd++;
            i++;
        }
        if (fd == 0)
            goto bad;
    }
    if (i + 1 != s.n || s.p[i] != 'Z')
        goto bad;
    for (int k = fd; k < 9; k++)
        ns *= 10;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && leap(Y)) || h > 23 ||
        m > 59 || sec > 59)
        return kz_fail(err, KZ_EINVAL, "\"%.*s\" is not a real date and time",
                       (int)(s.n > 64 ? 64 : s.n), s.p);
    out->sec = kz_time_days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
    out->nsec = (int32_t)ns;
    out->frac_digits = (int8_t)fd;
    return KZ_OK;
bad:
    return kz_fail(err, KZ_EINVAL,
                   "\"%.*s\" is not an RFC 3339 UTC timestamp (expected YYYY-MM-DDTHH:MM:SS[.s]Z)",
                   (int)(s.n > 64 ? 64 : s.n), s.p);
}

int kz_time_cmp(const kz_time *a, const kz_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

kz_time kz_time_now(void)
{
    struct timespec ts;
    kz_time t = {0, 0, 0};

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
        t.sec = ts.tv_sec;
        t.nsec = (int32_t)ts.tv_nsec;
    }
    return t;
}

/* Writes v (< 10^n) as n decimal digits, two at a time. */
static void put_digits(char *o, unsigned v, int n)
{
    static const char two[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                              "34353637383940414243444546474849505152535455565758596061626364656667"
                              "6869707172737475767778798081828384858687888990919293949596979899";
    int i = n;

    for (; i >= 2; i -= 2) {
        memcpy(o + i - 2, two + 2 * (v % 100), 2);
        v /= 100;
    }
    if (i == 1)
        o[0] = (char)('0' + v % 10);
}

void kz_time_format(const kz_time *t, int digits_wanted, char buf[KZ_TIME_MAX])
{
    /* The date of the last call: log readers format the times of one day over and over. */
    static _Thread_local int64_t last_days = INT64_MIN;
    static _Thread_local char last_date[10];
    int64_t days = t->sec / 86400, rem = t->sec % 86400, y;
    unsigned mo, d;
    int n, digits = digits_wanted > 9 ? 9 : digits_wanted;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    if (days == last_days) {
        memcpy(buf, last_date, 10);
    } else {
        civil_from_days(days, &y, &mo, &d);
        if (y < 0 || y > 9999) {
            n = snprintf(buf, KZ_TIME_MAX, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, mo, d,
                         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
            /* No RFC 3339 form: the year as printf writes it, and the fraction when it fits. */
            if (n < 0 || n > KZ_TIME_MAX - 2)
                n = KZ_TIME_MAX - 2;
            if (n + 1 + digits + 1 >= KZ_TIME_MAX)
                digits = 0;
            goto frac;
        }
        /* By hand: log readers format two timestamps a Zeek conn line, and snprintf took more
         * time than the rest of the line. */
        put_digits(buf, (unsigned)y, 4);
        buf[4] = '-';
        put_digits(buf + 5, mo, 2);
        buf[7] = '-';
        put_digits(buf + 8, d, 2);
        memcpy(last_date, buf, 10);
        last_days = days;
    }
    buf[10] = 'T';
    put_digits(buf + 11, (unsigned)(rem / 3600), 2);
    buf[13] = ':';
    put_digits(buf + 14, (unsigned)(rem / 60 % 60), 2);
    buf[16] = ':';
    put_digits(buf + 17, (unsigned)(rem % 60), 2);
    n = 19;
frac:
    if (digits > 0) {
        unsigned f = (unsigned)t->nsec;
        for (int k = 0; k < 9 - digits; k++)
            f /= 10;
        buf[n++] = '.';
        put_digits(buf + n, f, digits);
        n += digits;
    }
    buf[n++] = 'Z';
    buf[n] = '\0';
}
