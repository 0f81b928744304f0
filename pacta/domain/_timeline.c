/*
 * The hot paths of pacta.domain.calendar.BusinessCalendar, in C: add, between, and between
 * with pauses, over the timeline the Python class builds (lists of float UTC seconds).
 *
 * This module is an optional accelerator, like the C halves of json or decimal: the Python
 * methods in calendar.py are the definition. Each function here performs the same float
 * operations in the same order, so its answers are bit for bit those of the Python code (a
 * property test compares the two). Whenever a case is not the common one (a datetime subclass,
 * a naive instant, a negative duration, an instant outside the timeline built so far, pauses out
 * of order...) it returns None and the Python method takes over: refusing, growing the timeline,
 * or answering.
 *
 * The state argument is the calendar's list [starts, ends, cum_start, cum_end, low, high, zone].
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <math.h>
#include <stdint.h>

static PyObject *str_utcoffset;
static PyObject *str_fromutc;

/* Half a microsecond: an addition landing this close past a close lands on it (as in Python). */
static const double TIE = 5e-7;

enum { ST_STARTS, ST_ENDS, ST_CUM_START, ST_CUM_END, ST_LOW, ST_HIGH, ST_ZONE, ST_SIZE };

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: a date from days since 1970-01-01. */
static void
civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

/* Python's round() of a float: half to even. */
static double
round_half_even(double x)
{
    double rounded = round(x);
    if (fabs(x - rounded) == 0.5) {
        rounded = 2.0 * round(x / 2.0);
    }
    return rounded;
}

/*
 * An exact datetime with a tzinfo as UTC seconds, split in whole seconds and microseconds.
 * Returns 0 on success, 1 when the Python code must handle it, -1 on a raised error.
 */
static int
instant_parts(PyObject *value, int64_t *whole, long *fraction)
{
    if (!PyDateTime_CheckExact(value)) {
        return 1;
    }
    PyObject *zone = PyDateTime_DATE_GET_TZINFO(value);
    if (zone == Py_None) {
        return 1;
    }
    PyObject *offset = PyObject_CallMethodOneArg(zone, str_utcoffset, value);
    if (offset == NULL) {
        return -1;
    }
    if (!PyDelta_CheckExact(offset)) {
        Py_DECREF(offset);
        return 1;
    }
    *whole = days_from_civil(PyDateTime_GET_YEAR(value), PyDateTime_GET_MONTH(value),
                             PyDateTime_GET_DAY(value)) * 86400
             + PyDateTime_DATE_GET_HOUR(value) * 3600
             + PyDateTime_DATE_GET_MINUTE(value) * 60
             + PyDateTime_DATE_GET_SECOND(value)
             - (int64_t)PyDateTime_DELTA_GET_DAYS(offset) * 86400
             - PyDateTime_DELTA_GET_SECONDS(offset);
    *fraction = PyDateTime_DATE_GET_MICROSECOND(value) - PyDateTime_DELTA_GET_MICROSECONDS(offset);
    Py_DECREF(offset);
    return 0;
}

/* The same as float UTC seconds, computed as calendar._instant() does. */
static int
instant(PyObject *value, double *out)
{
    int64_t whole;
    long fraction;
    const int status = instant_parts(value, &whole, &fraction);
    if (status == 0) {
        *out = (double)whole + (double)fraction / 1e6;
    }
    return status;
}

/* datetime.fromtimestamp(t, zone), rounding half to even to the microsecond as CPython does. */
static PyObject *
from_timestamp(double t, PyObject *zone)
{
    double whole;
    double fraction = modf(t, &whole);
    fraction = round_half_even(fraction * 1e6);
    if (fraction >= 1e6) {
        fraction -= 1e6;
        whole += 1.0;
    }
    else if (fraction < 0) {
        fraction += 1e6;
        whole -= 1.0;
    }
    const int64_t seconds = (int64_t)whole;
    int64_t days = seconds / 86400;
    int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days -= 1;
    }
    int year, month, day;
    civil_from_days(days, &year, &month, &day);
    PyObject *utc = PyDateTimeAPI->DateTime_FromDateAndTime(
        year, month, day, (int)(rest / 3600), (int)(rest % 3600 / 60), (int)(rest % 60),
        (int)fraction, zone, PyDateTimeAPI->DateTimeType);
    if (utc == NULL) {
        return NULL;
    }
    PyObject *local = PyObject_CallMethodOneArg(zone, str_fromutc, utc);
    Py_DECREF(utc);
    return local;
}

/* A timedelta of round(seconds * 1e6) microseconds, as `_MICROSECOND * round(x * 1e6)`. */
static PyObject *
delta_of_microseconds(int64_t us)
{
    int64_t days = us / 86400000000LL;
    int64_t rest = us % 86400000000LL;
    if (rest < 0) {
        rest += 86400000000LL;
        days -= 1;
    }
    return PyDelta_FromDSU((int)days, (int)(rest / 1000000), (int)(rest % 1000000));
}

typedef struct {
    PyObject **starts, **ends, **cum_start, **cum_end;
    Py_ssize_t n;
    double low, high;
    PyObject *zone;
} Timeline;

static int
timeline(PyObject *state, Timeline *tl)
{
    if (!PyList_CheckExact(state) || PyList_GET_SIZE(state) != ST_SIZE) {
        PyErr_SetString(PyExc_TypeError, "not a calendar's timeline state");
        return -1;
    }
    PyObject *lists[4];
    for (int k = 0; k < 4; k++) {
        lists[k] = PyList_GET_ITEM(state, k);
        if (!PyList_CheckExact(lists[k])) {
            PyErr_SetString(PyExc_TypeError, "not a calendar's timeline state");
            return -1;
        }
    }
    tl->n = PyList_GET_SIZE(lists[0]);
    for (int k = 1; k < 4; k++) {
        if (PyList_GET_SIZE(lists[k]) != tl->n) {
            PyErr_SetString(PyExc_TypeError, "not a calendar's timeline state");
            return -1;
        }
    }
    tl->starts = ((PyListObject *)lists[0])->ob_item;
    tl->ends = ((PyListObject *)lists[1])->ob_item;
    tl->cum_start = ((PyListObject *)lists[2])->ob_item;
    tl->cum_end = ((PyListObject *)lists[3])->ob_item;
    tl->low = PyFloat_AsDouble(PyList_GET_ITEM(state, ST_LOW));
    tl->high = PyFloat_AsDouble(PyList_GET_ITEM(state, ST_HIGH));
    if (PyErr_Occurred()) {
        return -1;
    }
    tl->zone = PyList_GET_ITEM(state, ST_ZONE);
    return 0;
}

/* The timeline holds Python floats only (the Python code builds them so). */
#define AT(array, i) PyFloat_AS_DOUBLE((array)[i])

/* bisect.bisect_right(array, x, lo, hi) */
static Py_ssize_t
bisect_right(PyObject **array, double x, Py_ssize_t lo, Py_ssize_t hi)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (x < AT(array, mid)) {
            hi = mid;
        }
        else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* bisect.bisect_left(array, x, lo, hi) */
static Py_ssize_t
bisect_left(PyObject **array, double x, Py_ssize_t lo, Py_ssize_t hi)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (AT(array, mid) < x) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

/* Business seconds from the timeline's start up to t (calendar._elapsed). */
static double
elapsed(const Timeline *tl, double t)
{
    Py_ssize_t i = bisect_right(tl->starts, t, 0, tl->n) - 1;
    if (i < 0) {
        return 0.0;
    }
    if (t >= AT(tl->ends, i)) {
        return AT(tl->cum_end, i);
    }
    return AT(tl->cum_start, i) + (t - AT(tl->starts, i));
}

/* Whether a function got its n arguments; raises TypeError with its usage if not. */
static int
arity(Py_ssize_t nargs, Py_ssize_t n, const char *usage)
{
    if (nargs != n) {
        PyErr_SetString(PyExc_TypeError, usage);
        return 0;
    }
    return 1;
}

/* Two instants, as instant() does one; the same return codes. */
static int
instants(PyObject *a, PyObject *b, double *x, double *y)
{
    const int status = instant(a, x);
    return status != 0 ? status : instant(b, y);
}

enum { SPAN_ERROR = -1, SPAN_OK = 0, SPAN_DEFER = 1, SPAN_EMPTY = 2 };

/* The timeline and the span [start, end) of args (state, start, end, ...), checked. */
static int
span(PyObject *const *args, Timeline *tl, double *s, double *e)
{
    if (timeline(args[0], tl) < 0) {
        return SPAN_ERROR;
    }
    const int status = instants(args[1], args[2], s, e);
    if (status != 0) {
        return status < 0 ? SPAN_ERROR : SPAN_DEFER;
    }
    if (*e <= *s) {
        return SPAN_EMPTY;
    }
    if (!(tl->low <= *s && *e < tl->high)) {
        return SPAN_DEFER; /* Python grows the timeline first */
    }
    return SPAN_OK;
}

/* What a function returns for a span that is not SPAN_OK. */
static PyObject *
span_answer(int status)
{
    if (status == SPAN_ERROR) {
        return NULL;
    }
    if (status == SPAN_EMPTY) {
        return PyDelta_FromDSU(0, 0, 0);
    }
    Py_RETURN_NONE;
}

static PyObject *
timeline_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arity(nargs, 3, "add(state, start, duration)")) {
        return NULL;
    }
    Timeline tl;
    if (timeline(args[0], &tl) < 0) {
        return NULL;
    }
    double s;
    int status = instant(args[1], &s);
    if (status != 0) {
        return status < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *duration = args[2];
    if (!PyDelta_CheckExact(duration)) {
        Py_RETURN_NONE;
    }
    const double d = (double)((int64_t)PyDateTime_DELTA_GET_DAYS(duration) * 86400
                              + PyDateTime_DELTA_GET_SECONDS(duration))
                     + PyDateTime_DELTA_GET_MICROSECONDS(duration) / 1e6;
    if (d <= 0 || !(tl.low <= s && s < tl.high)) {
        Py_RETURN_NONE;
    }
    const Py_ssize_t n = tl.n;
    Py_ssize_t i = bisect_right(tl.starts, s, 0, n) - 1;
    double target;
    if (i < 0) {
        target = d;
    }
    else if (s >= AT(tl.ends, i)) {
        target = AT(tl.cum_end, i) + d;
    }
    else {
        target = AT(tl.cum_start, i) + (s - AT(tl.starts, i)) + d;
    }
    Py_ssize_t j = i >= 0 ? i : 0;
    const double reach = target - TIE;
    if (j < n && AT(tl.cum_end, j) < reach) {
        j += 1;
        if (j < n && AT(tl.cum_end, j) < reach) {
            j = bisect_left(tl.cum_end, reach, j, n);
        }
    }
    if (j == n) {
        Py_RETURN_NONE; /* beyond the timeline: Python grows it */
    }
    return from_timestamp(AT(tl.starts, j) + (target - AT(tl.cum_start, j)), tl.zone);
}

static PyObject *
timeline_between(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arity(nargs, 3, "between(state, start, end)")) {
        return NULL;
    }
    Timeline tl;
    double s, e;
    const int status = span(args, &tl, &s, &e);
    if (status != SPAN_OK) {
        return span_answer(status);
    }
    Py_ssize_t i = bisect_right(tl.starts, e, 0, tl.n) - 1;
    if (i < 0) {
        return PyDelta_FromDSU(0, 0, 0);
    }
    double total = e >= AT(tl.ends, i) ? AT(tl.cum_end, i)
                                       : AT(tl.cum_start, i) + (e - AT(tl.starts, i));
    if (AT(tl.starts, i) > s) {
        i -= 1;
        if (i >= 0 && AT(tl.starts, i) > s) {
            i = bisect_right(tl.starts, s, 0, i) - 1;
        }
    }
    if (i >= 0) {
        if (s >= AT(tl.ends, i)) {
            total -= AT(tl.cum_end, i);
        }
        else {
            total -= AT(tl.cum_start, i) + (s - AT(tl.starts, i));
        }
    }
    return delta_of_microseconds((int64_t)round_half_even(total * 1e6));
}

static PyObject *
timeline_between_paused(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arity(nargs, 4, "between_paused(state, start, end, pauses)")) {
        return NULL;
    }
    PyObject *pauses = args[3];
    if (!PyTuple_CheckExact(pauses) && !PyList_CheckExact(pauses)) {
        Py_RETURN_NONE;
    }
    Timeline tl;
    double s, e;
    int status = span(args, &tl, &s, &e);
    if (status != SPAN_OK) {
        return span_answer(status);
    }
    const Py_ssize_t count = PySequence_Fast_GET_SIZE(pauses);
    PyObject **items = PySequence_Fast_ITEMS(pauses);
    int64_t microseconds = 0;
    double previous = s;
    for (Py_ssize_t k = 0; k <= count; k++) {
        double low = previous, high = e, next = e;
        if (k < count) {
            PyObject *pause = items[k];
            if (!PyTuple_CheckExact(pause) || PyTuple_GET_SIZE(pause) != 2) {
                Py_RETURN_NONE;
            }
            double ps, pe;
            status = instants(PyTuple_GET_ITEM(pause, 0), PyTuple_GET_ITEM(pause, 1), &ps, &pe);
            if (status != 0) {
                return status < 0 ? NULL : Py_NewRef(Py_None);
            }
            if (pe < ps || ps < previous) {
                Py_RETURN_NONE; /* Python refuses, naming the pause */
            }
            high = ps;
            next = pe;
        }
        if (high > e) {
            high = e;
        }
        if (high > low) {
            microseconds += (int64_t)round_half_even((elapsed(&tl, high) - elapsed(&tl, low)) * 1e6);
        }
        previous = next;
    }
    return delta_of_microseconds(microseconds);
}

/* ----------------------------------------------------------------------------------------------
 * The hot paths of pacta.domain.rating: reading a work order's time entries (rating_spans) and
 * splitting them over a rating timeline (rating_split). The Python functions are the definition
 * (pacta/domain/rating/engine.py `_spans`, pacta/domain/rating/timeline.py `split`); these give
 * the same answers in integers, and return None on anything but the common case (a bad or
 * naive instant, entries out of order or starting together, an overlap, many technicians, a
 * value past 64 bits...), where the Python code takes over: refusing with its named errors, or
 * answering.
 * --------------------------------------------------------------------------------------------*/

static PyObject *str_started_at;
static PyObject *str_ended_at;
static PyObject *str_kind;
static PyObject *str_technician_id;

/* An exact datetime with a tzinfo as integer UTC microseconds (timeline.instant_us).
 * 0: done; 1: Python decides (any error raised is cleared). */
static int
instant_us(PyObject *value, int64_t *out)
{
    int64_t whole;
    long fraction;
    if (value == NULL || instant_parts(value, &whole, &fraction) != 0) {
        PyErr_Clear();
        return 1;
    }
    *out = whole * 1000000 + fraction;
    return 0;
}

/* At most this many technicians on one work order (more: Python decides). */
#define MAX_TECHNICIANS 16

/* rating_spans(entries, travel) -> (first start, last end, (start, end, travel bit, ...)) | None */
static PyObject *
rating_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "rating_spans(entries, travel)");
        return NULL;
    }
    PyObject *entries = args[0], *travel = args[1];
    if (!PyTuple_CheckExact(entries) || PyTuple_GET_SIZE(entries) == 0) {
        Py_RETURN_NONE;
    }
    const Py_ssize_t count = PyTuple_GET_SIZE(entries);
    PyObject *flat = PyTuple_New(count * 3);
    if (flat == NULL) {
        return NULL;
    }
    PyObject *technicians[MAX_TECHNICIANS];
    int64_t last_ends[MAX_TECHNICIANS];
    int known = 0;
    int64_t first = 0, last = 0, previous = 0;
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *entry = PyTuple_GET_ITEM(entries, n);
        int64_t start, end;
        PyObject *value = PyObject_GetAttr(entry, str_started_at);
        int status = instant_us(value, &start);
        Py_XDECREF(value);
        if (status != 0) {
            goto python;
        }
        value = PyObject_GetAttr(entry, str_ended_at);
        status = instant_us(value, &end);
        Py_XDECREF(value);
        if (status != 0 || end <= start || (n > 0 && start <= previous)) {
            goto python;
        }
        previous = start;
        PyObject *kind = PyObject_GetAttr(entry, str_kind);
        if (kind == NULL) {
            PyErr_Clear();
            goto python;
        }
        int is_travel = kind == travel ? 1 : PyObject_RichCompareBool(kind, travel, Py_EQ);
        Py_DECREF(kind);
        if (is_travel < 0) {
            PyErr_Clear();
            goto python;
        }
        PyObject *technician = PyObject_GetAttr(entry, str_technician_id);
        if (technician == NULL) {
            PyErr_Clear();
            goto python;
        }
        if (!PyUnicode_CheckExact(technician)) {
            Py_DECREF(technician);
            goto python;
        }
        int t = 0;
        while (t < known && technicians[t] != technician
               && PyUnicode_Compare(technicians[t], technician) != 0) {
            t++;
        }
        if (t < known) {
            Py_DECREF(technician);
        }
        if (t == known) {
            if (known == MAX_TECHNICIANS) {
                Py_DECREF(technician);
                goto python;
            }
            technicians[known] = technician; /* held until the end */
            last_ends[known++] = end;
        }
        else if (last_ends[t] > start) {
            goto python; /* an overlap: Python names the entry */
        }
        else if (end > last_ends[t]) {
            last_ends[t] = end;
        }
        if (n == 0) {
            first = start;
            last = end;
        }
        else if (end > last) {
            last = end;
        }
        PyObject *s = PyLong_FromLongLong(start), *e = PyLong_FromLongLong(end);
        if (s == NULL || e == NULL) {
            Py_XDECREF(s);
            Py_XDECREF(e);
            Py_DECREF(flat);
            return NULL;
        }
        PyTuple_SET_ITEM(flat, 3 * n, s);
        PyTuple_SET_ITEM(flat, 3 * n + 1, e);
        PyTuple_SET_ITEM(flat, 3 * n + 2, PyLong_FromLong(is_travel ? 2 : 0));
    }
    for (int t = 0; t < known; t++) {
        Py_DECREF(technicians[t]);
    }
    return Py_BuildValue("(LLN)", (long long)first, (long long)last, flat);
python:
    for (int t = 0; t < known; t++) {
        Py_DECREF(technicians[t]);
    }
    Py_DECREF(flat);
    Py_RETURN_NONE;
}

/* At most this many accumulator keys on one work order (more: Python decides). */
#define MAX_KEYS 128

typedef struct {
    int64_t key, us;
} Sum;

/* Add `us` to the sum of `key`, keeping the order keys were first met. 0, or -1 when full. */
static int
accumulate(Sum *sums, int *count, int64_t key, int64_t us)
{
    for (int k = 0; k < *count; k++) {
        if (sums[k].key == key) {
            sums[k].us += us;
            return 0;
        }
    }
    if (*count == MAX_KEYS) {
        return -1;
    }
    sums[*count].key = key;
    sums[(*count)++].us = us;
    return 0;
}

/* An int of a list or tuple as int64; 0, or 1 when it is not one that fits. */
static int
int64_of(PyObject *value, int64_t *out)
{
    if (!PyLong_CheckExact(value)) {
        return 1;
    }
    int overflow = 0;
    *out = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow || (*out == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* The split of timeline.split: the sums per key into `sums` (`count` of them), the key of the
 * last minute worked once the budget ran out into `last_key`. 0, or 1 when Python decides. */
static int
split_spans(PyObject *flat, PyObject *starts, PyObject *classes, PyObject *budget, Sum *sums,
            int *count, int64_t *last_key)
{
    int64_t left;
    if (!PyTuple_CheckExact(flat) || PyTuple_GET_SIZE(flat) % 3 != 0 || !PyList_CheckExact(starts)
        || !PyList_CheckExact(classes) || PyList_GET_SIZE(starts) != PyList_GET_SIZE(classes) + 1
        || int64_of(budget, &left) != 0) {
        return 1;
    }
    PyObject **at = ((PyListObject *)starts)->ob_item;
    PyObject **of = ((PyListObject *)classes)->ob_item;
    const Py_ssize_t n_starts = PyList_GET_SIZE(starts);
    int64_t last_at = -1;
    *count = 0;
    *last_key = -1;
    for (Py_ssize_t n = 0; n < PyTuple_GET_SIZE(flat); n += 3) {
        int64_t start, end, travel_bit, value;
        if (int64_of(PyTuple_GET_ITEM(flat, n), &start) || int64_of(PyTuple_GET_ITEM(flat, n + 1), &end)
            || int64_of(PyTuple_GET_ITEM(flat, n + 2), &travel_bit)) {
            return 1;
        }
        /* i = bisect_right(starts, start) - 1 */
        Py_ssize_t lo = 0, hi = n_starts;
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (int64_of(at[mid], &value)) {
                return 1;
            }
            if (start < value) {
                hi = mid;
            }
            else {
                lo = mid + 1;
            }
        }
        Py_ssize_t i = lo - 1;
        if (i < 0) {
            return 1; /* before the timeline: Python's answer (an IndexError's) stands */
        }
        int64_t s = start, base = 0;
        for (;;) {
            int64_t following, class_id;
            if (i + 1 >= n_starts || int64_of(at[i + 1], &following) || int64_of(of[i], &class_id)) {
                return 1;
            }
            const int64_t stop = following < end ? following : end;
            const int64_t span = stop - s;
            base = class_id * 4 + travel_bit;
            int full = 0;
            if (left >= span) {
                left -= span;
                full = accumulate(sums, count, base + 1, span);
            }
            else if (left > 0) {
                full = accumulate(sums, count, base + 1, left)
                       || accumulate(sums, count, base, span - left);
                left = 0;
            }
            else {
                full = accumulate(sums, count, base, span);
            }
            if (full) {
                return 1;
            }
            if (stop == end) {
                break;
            }
            s = following;
            i++;
        }
        if (!travel_bit && left == 0 && end > last_at) {
            *last_key = base;
            last_at = end;
        }
    }
    return 0;
}

/* A dict of the sums, in their order; NULL on an error raised. */
static PyObject *
dict_of(const Sum *sums, int count)
{
    PyObject *made = PyDict_New();
    if (made == NULL) {
        return NULL;
    }
    for (int k = 0; k < count; k++) {
        PyObject *key = PyLong_FromLongLong(sums[k].key);
        PyObject *us = PyLong_FromLongLong(sums[k].us);
        if (key == NULL || us == NULL || PyDict_SetItem(made, key, us) < 0) {
            Py_XDECREF(key);
            Py_XDECREF(us);
            Py_DECREF(made);
            return NULL;
        }
        Py_DECREF(key);
        Py_DECREF(us);
    }
    return made;
}

/* rating_split(flat, starts, classes, budget) -> (sums, covered, billed, last key) | None */
static PyObject *
rating_split(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "rating_split(flat, starts, classes, budget)");
        return NULL;
    }
    Sum sums[MAX_KEYS];
    int count;
    int64_t last_key;
    if (split_spans(args[0], args[1], args[2], args[3], sums, &count, &last_key)) {
        Py_RETURN_NONE;
    }
    int64_t covered = 0, billed = 0;
    for (int k = 0; k < count; k++) {
        if (sums[k].key & 1) {
            covered += sums[k].us;
        }
        else {
            billed += sums[k].us;
        }
    }
    PyObject *acc = dict_of(sums, count);
    if (acc == NULL) {
        return NULL;
    }
    return Py_BuildValue("(NLLL)", acc, (long long)covered, (long long)billed, (long long)last_key);
}

/* The groups of accumulator key `key` in `of_plan` (borrowed), or NULL when Python decides:
 * the key is not known yet, or its time has no price. */
static PyObject *
groups_of(PyObject *of_plan, int64_t key)
{
    PyObject *number = PyLong_FromLongLong(key);
    if (number == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *found = PyDict_GetItemWithError(of_plan, number);
    Py_DECREF(number);
    if (found == NULL || !PyTuple_CheckExact(found) || PyTuple_GET_SIZE(found) != 2
        || PyTuple_GET_ITEM(found, 1) != Py_False || !PyTuple_CheckExact(PyTuple_GET_ITEM(found, 0))
        || PyTuple_GET_SIZE(PyTuple_GET_ITEM(found, 0)) == 0) {
        PyErr_Clear();
        return NULL;
    }
    return PyTuple_GET_ITEM(found, 0);
}

/* rating_group(flat, starts, classes, budget, of_plan)
 *     -> (sums per group, covered, billed, worked, last key) | None  (engine._group) */
static PyObject *
rating_group(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyDict_CheckExact(args[4])) {
        PyErr_SetString(PyExc_TypeError, "rating_group(flat, starts, classes, budget, of_plan)");
        return NULL;
    }
    Sum sums[MAX_KEYS], groups[MAX_KEYS];
    int count, n_groups = 0;
    int64_t last_key, covered = 0, billed = 0, worked = 0;
    if (split_spans(args[0], args[1], args[2], args[3], sums, &count, &last_key)) {
        Py_RETURN_NONE;
    }
    for (int k = 0; k < count; k++) {
        PyObject *ids = groups_of(args[4], sums[k].key);
        if (ids == NULL) {
            Py_RETURN_NONE;
        }
        for (Py_ssize_t g = 0; g < PyTuple_GET_SIZE(ids); g++) {
            int64_t group_id;
            if (int64_of(PyTuple_GET_ITEM(ids, g), &group_id)
                || accumulate(groups, &n_groups, group_id, sums[k].us)) {
                Py_RETURN_NONE;
            }
        }
        if (sums[k].key & 1) {
            covered += sums[k].us;
        }
        else {
            billed += sums[k].us;
        }
        if (!(sums[k].key & 3)) {
            worked += sums[k].us;
        }
    }
    PyObject *made = dict_of(groups, n_groups);
    if (made == NULL) {
        return NULL;
    }
    return Py_BuildValue("(NLLLL)", made, (long long)covered, (long long)billed, (long long)worked,
                         (long long)last_key);
}

static PyMethodDef methods[] = {
    {"add", (PyCFunction)(void (*)(void))timeline_add, METH_FASTCALL,
     "add(state, start, duration) -> datetime | None"},
    {"between", (PyCFunction)(void (*)(void))timeline_between, METH_FASTCALL,
     "between(state, start, end) -> timedelta | None"},
    {"between_paused", (PyCFunction)(void (*)(void))timeline_between_paused, METH_FASTCALL,
     "between_paused(state, start, end, pauses) -> timedelta | None"},
    {"rating_spans", (PyCFunction)(void (*)(void))rating_spans, METH_FASTCALL,
     "rating_spans(entries, travel) -> (first, last, flat) | None"},
    {"rating_split", (PyCFunction)(void (*)(void))rating_split, METH_FASTCALL,
     "rating_split(flat, starts, classes, budget) -> (sums, covered, billed, last_key) | None"},
    {"rating_group", (PyCFunction)(void (*)(void))rating_group, METH_FASTCALL,
     "rating_group(flat, starts, classes, budget, of_plan)"
     " -> (groups, covered, billed, worked, last_key) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pacta.domain._timeline",
    "The hot paths of the business calendar and of the rating in C (optional; calendar.py and "
    "rating/ are the definition).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__timeline(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    str_utcoffset = PyUnicode_InternFromString("utcoffset");
    str_fromutc = PyUnicode_InternFromString("fromutc");
    str_started_at = PyUnicode_InternFromString("started_at");
    str_ended_at = PyUnicode_InternFromString("ended_at");
    str_kind = PyUnicode_InternFromString("kind");
    str_technician_id = PyUnicode_InternFromString("technician_id");
    if (str_utcoffset == NULL || str_fromutc == NULL || str_started_at == NULL
        || str_ended_at == NULL || str_kind == NULL || str_technician_id == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
