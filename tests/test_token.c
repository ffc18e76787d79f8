// SPDX-License-Identifier: MIT
/*
 * Schedule tokens and their building blocks: varints, base64url, and a
 * decoder that must refuse every malformed token with a message instead of
 * crashing or allocating what the token merely claims.
 */
#include "engine/token.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "engine/bug.h"
#include "engine/codec.h"

/* The real one lives in the simulator; here a bug must just fail the test. */
void sim_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: simulator bug: %s\n", file, line, what);
	abort();
}

static const uint8_t test_fingerprint[TOKEN_FINGERPRINT_LEN] = {
	0x00, 0xff, 0x10, 0x80, 0x7f, 0x01, 0xfe, 0x5a,
};

/* The default budgets: one zero byte each in the body. */
static const struct token_budget test_budget = { 0, 0 };

/* ASan reserves terabytes of shadow memory: an address-space cap breaks it. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif

/*
 * Leave this test process 256 MiB of address space beyond what it maps
 * now, so an allocation sized by an untrusted count fails visibly instead
 * of being quietly overcommitted. Criterion runs each test in its own
 * process, so the limit ends with the test.
 */
static void limit_address_space(void)
{
#ifndef TEST_UNDER_ASAN
	unsigned long pages = 0;
	struct rlimit rl;
	FILE *f;

	f = fopen("/proc/self/statm", "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%lu", &pages), 1);
	fclose(f);
	cr_assert_eq(getrlimit(RLIMIT_AS, &rl), 0);
	rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
#endif
}

/* ---- varints ---- */

static const uint64_t varint_samples[] = {
	0, 1, 127, 128, 255, 16383, 16384, 1ULL << 32, (1ULL << 63) - 1,
	1ULL << 63, UINT64_MAX,
};

Test(varint, round_trip, .timeout = 10)
{
	static const size_t expect_len[] = { 1, 1, 1, 2, 2, 2, 3, 5, 9, 10, 10 };
	size_t i;

	for (i = 0; i < sizeof(varint_samples) / sizeof(varint_samples[0]); i++) {
		uint8_t buf[16];
		uint64_t v = 0;
		size_t n = varint_put(buf, varint_samples[i]);

		cr_assert_eq(n, expect_len[i], "varint %llu took %zu bytes",
			     (unsigned long long)varint_samples[i], n);
		cr_assert_eq(varint_get(buf, n, &v), n);
		cr_assert_eq(v, varint_samples[i]);
		/* Extra bytes after the varint are not consumed. */
		buf[n] = 0x55;
		cr_assert_eq(varint_get(buf, n + 1, &v), n);
		cr_assert_eq(v, varint_samples[i]);
	}
}

Test(varint, known_bytes, .timeout = 10)
{
	uint8_t buf[16];

	cr_assert_eq(varint_put(buf, 0), 1);
	cr_assert_eq(buf[0], 0x00);
	cr_assert_eq(varint_put(buf, 128), 2);
	cr_assert_eq(buf[0], 0x80);
	cr_assert_eq(buf[1], 0x01);
	cr_assert_eq(varint_put(buf, 300), 2);
	cr_assert_eq(buf[0], 0xac);
	cr_assert_eq(buf[1], 0x02);
}

Test(varint, rejects_truncated, .timeout = 10)
{
	size_t i, cut;

	for (i = 0; i < sizeof(varint_samples) / sizeof(varint_samples[0]); i++) {
		uint8_t buf[16];
		size_t n = varint_put(buf, varint_samples[i]);

		for (cut = 0; cut < n; cut++) {
			uint64_t v = 42;

			cr_assert_eq(varint_get(buf, cut, &v), 0,
				     "%zu of %zu bytes of %llu accepted", cut, n,
				     (unsigned long long)varint_samples[i]);
			cr_assert_eq(v, 42, "output written on failure");
		}
	}
}

Test(varint, rejects_too_long, .timeout = 10)
{
	uint8_t eleven[11];
	uint8_t wide[10];
	uint64_t v;

	/* Eleven bytes: the terminator comes one byte too late. */
	memset(eleven, 0x80, sizeof(eleven));
	eleven[10] = 0x00;
	cr_assert_eq(varint_get(eleven, sizeof(eleven), &v), 0);
	/* Ten bytes whose last carries bits above bit 63. */
	memset(wide, 0xff, sizeof(wide));
	wide[9] = 0x02;
	cr_assert_eq(varint_get(wide, sizeof(wide), &v), 0);
	/* Ten bytes still continuing. */
	memset(wide, 0x80, sizeof(wide));
	cr_assert_eq(varint_get(wide, sizeof(wide), &v), 0);
}

Test(varint, accepts_redundant_zero_tail, .timeout = 10)
{
	const uint8_t buf[] = { 0x81, 0x80, 0x00 };
	uint64_t v = 0;

	cr_assert_eq(varint_get(buf, sizeof(buf), &v), 3);
	cr_assert_eq(v, 1);
}

/* ---- base64url ---- */

static bool b64_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Test(base64url, round_trip_lengths, .timeout = 10)
{
	uint8_t in[20], out[20];
	char text[4 * 7 + 1];
	size_t len, i;

	for (len = 0; len <= sizeof(in); len++) {
		for (i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 97 + len * 31 + 0xfb);
		memset(text, '#', sizeof(text));
		base64url_encode(in, len, text);
		cr_assert_eq(strlen(text), (len * 4 + 2) / 3,
			     "length %zu encoded to \"%s\"", len, text);
		for (i = 0; text[i]; i++)
			cr_assert(b64_char_ok(text[i]), "'%c' in \"%s\"", text[i], text);
		memset(out, 0, sizeof(out));
		cr_assert_eq(base64url_decode(text, strlen(text), out), (long)len);
		cr_assert_arr_eq(out, in, len);
	}
}

Test(base64url, rfc4648_vectors, .timeout = 10)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	const uint8_t url[] = { 0xfb, 0xff };
	char text[16];
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		base64url_encode((const uint8_t *)plain[i], strlen(plain[i]), text);
		cr_assert_str_eq(text, coded[i]);
	}
	/* Standard base64 says "+/8=": the URL alphabet swaps in '-' and '_'. */
	base64url_encode(url, sizeof(url), text);
	cr_assert_str_eq(text, "-_8");
}

Test(base64url, rejects_bad_input, .timeout = 10)
{
	static const char *const bad[] = {
		"ab+c", "ab/c", "Zg==", "Zm9=", "Zm9v=", "A", "Zm9vY", "Zm9vYmFyZ",
		"Zm 9", "Zm.9", "Zm\xc3\xa9",
		"Zh",		/* unused low bits set */
		"Zm9",		/* unused low bits set */
	};
	uint8_t out[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(base64url_decode(bad[i], strlen(bad[i]), out), -1,
			     "\"%s\" accepted", bad[i]);
	/* A NUL inside the counted length is outside the alphabet too. */
	cr_assert_eq(base64url_decode("Zm\0v", 4, out), -1);
}

/* ---- tokens ---- */

static void check_token_chars(const char *t)
{
	const char *p;

	for (p = t; *p; p++)
		cr_assert(b64_char_ok(*p) || *p == '.' || *p == ':',
			  "'%c' in token %s", *p, t);
}

static void check_round_trip_budget(const char *strategy, uint64_t seed,
				    const struct token_budget *budget,
				    const struct sim_decision_rec *log, uint32_t len)
{
	struct sim_token t;
	char err[256] = "";
	char *text;
	uint32_t i;

	text = token_encode(strategy, seed, budget, test_fingerprint, log, len);
	cr_assert_not_null(text);
	check_token_chars(text);
	cr_assert_eq(strncmp(text, "hv2.", 4), 0, "token %s", text);

	cr_assert_eq(token_decode(text, &t, err, sizeof(err)), 0, "%s: %s", text, err);
	cr_assert_str_eq(t.strategy, strategy);
	cr_assert_eq(t.seed, seed);
	cr_assert_eq(t.budget.max_steps, budget->max_steps);
	cr_assert_eq(t.budget.max_cycles, budget->max_cycles);
	cr_assert_arr_eq(t.fingerprint, test_fingerprint, TOKEN_FINGERPRINT_LEN);
	cr_assert_eq(t.len, len);
	for (i = 0; i < len; i++) {
		cr_assert_eq(t.log[i].step, log[i].step, "decision %u", i);
		cr_assert_eq(t.log[i].ordinal, log[i].ordinal, "decision %u", i);
		cr_assert_eq(t.log[i].value, log[i].value, "decision %u", i);
	}
	token_release(&t);
	cr_assert_null(t.log);
	free(text);
}

static void check_round_trip(const char *strategy, uint64_t seed,
			     const struct sim_decision_rec *log, uint32_t len)
{
	check_round_trip_budget(strategy, seed, &test_budget, log, len);
}

Test(token, round_trip_empty_log, .timeout = 10)
{
	check_round_trip("timed", 0, NULL, 0);
	check_round_trip("random", UINT64_MAX, NULL, 0);
}

Test(token, round_trip_one_decision, .timeout = 10)
{
	const struct sim_decision_rec one = { .step = 17, .ordinal = 0, .value = 3 };
	const struct sim_decision_rec first = { .step = 0, .ordinal = 5, .value = 1 };
	const struct sim_decision_rec extreme = {
		.step = UINT64_MAX, .ordinal = UINT32_MAX, .value = UINT32_MAX,
	};

	check_round_trip("pct:3", 42, &one, 1);
	check_round_trip("dfs:2", 1, &first, 1);
	check_round_trip("pct:3", 7, &extreme, 1);
}

Test(token, round_trip_thousand_decisions, .timeout = 10)
{
	struct sim_decision_rec log[1000];
	uint64_t step = 0;
	uint32_t i;

	for (i = 0; i < 1000; i++) {
		/* Every seventh decision shares its predecessor's step. */
		if (i && i % 7 == 0) {
			log[i].ordinal = log[i - 1].ordinal + 1 + i % 3;
		} else {
			step += 1 + (uint64_t)i * i * 131;
			log[i].ordinal = i % 5;
		}
		log[i].step = step;
		log[i].value = 1 + i * 2654435761u % 0xfffffffeu;
	}
	cr_assert_eq(log[7].step, log[6].step);
	check_round_trip("pct:10", 0xdeadbeefcafef00dULL, log, 1000);
}

/* The budgets a run was cut short by come back as they went in. */
Test(token, round_trip_budgets, .timeout = 10)
{
	static const struct token_budget budgets[] = {
		{ 3, 0 }, { 0, 4096 }, { 10000000, 2560000000ULL }, { UINT64_MAX, UINT64_MAX },
	};
	const struct sim_decision_rec d = { .step = 2, .ordinal = 0, .value = 1 };

	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		check_round_trip_budget("random", 11, &budgets[i], NULL, 0);
		check_round_trip_budget("pct:2", 12, &budgets[i], &d, 1);
	}
}

Test(token, shape, .timeout = 10)
{
	const struct sim_decision_rec d = { .step = 5, .ordinal = 0, .value = 1 };
	char *text = token_encode("pct:3", 1234, &test_budget, test_fingerprint, &d, 1);
	const char *body;

	cr_assert_not_null(text);
	cr_assert_eq(strncmp(text, "hv2.pct:3.1234.", 15), 0, "token %s", text);
	body = text + 15;
	cr_assert_null(strchr(body, '.'));
	/*
	 * 8 id bytes, two default budgets, count, three one-byte varints:
	 * 14 bytes, 19 characters.
	 */
	cr_assert_eq(strlen(body), 19, "body %s", body);
	free(text);
}

Test(token, fingerprint_round_trip, .timeout = 10)
{
	static const uint8_t ids[][TOKEN_FINGERPRINT_LEN] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef },
	};
	struct sim_token t;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char *text = token_encode("random", 9, &test_budget, ids[i], NULL, 0);

		cr_assert_not_null(text);
		cr_assert_eq(token_decode(text, &t, err, sizeof(err)), 0, "%s", err);
		cr_assert_arr_eq(t.fingerprint, ids[i], TOKEN_FINGERPRINT_LEN);
		token_release(&t);
		free(text);
	}
}

Test(token, encode_refuses_bad_strategy, .signal = SIGABRT, .timeout = 10)
{
	/* A '.' would split the token: the encoder treats it as a caller bug. */
	free(token_encode("pct.3", 1, &test_budget, test_fingerprint, NULL, 0));
}

Test(token, encode_refuses_value_zero, .signal = SIGABRT, .timeout = 10)
{
	const struct sim_decision_rec d = { .step = 1, .ordinal = 0, .value = 0 };

	free(token_encode("pct:3", 1, &test_budget, test_fingerprint, &d, 1));
}

/* "hv2.pct:3.7." followed by @len body bytes in base64url. */
static char *token_with_body(const uint8_t *body, size_t len)
{
	char *text = malloc(12 + 4 * ((len + 2) / 3) + 1);

	cr_assert_not_null(text);
	memcpy(text, "hv2.pct:3.7.", 12);
	base64url_encode(body, len, text + 12);
	return text;
}

/* The build id, then @n more bytes. */
static char *token_with_tail(const uint8_t *tail, size_t n)
{
	uint8_t body[64];
	char *text;

	cr_assert_leq(TOKEN_FINGERPRINT_LEN + n, sizeof(body));
	memcpy(body, test_fingerprint, TOKEN_FINGERPRINT_LEN);
	if (n)
		memcpy(body + TOKEN_FINGERPRINT_LEN, tail, n);
	text = token_with_body(body, TOKEN_FINGERPRINT_LEN + n);
	return text;
}

/* The build id, the default budgets, then @n more bytes (count, decisions). */
static char *token_with_log(const uint8_t *log, size_t n)
{
	uint8_t tail[48] = { 0, 0 };

	cr_assert_leq(2 + n, sizeof(tail));
	if (n)
		memcpy(tail + 2, log, n);
	return token_with_tail(tail, 2 + n);
}

static void check_rejected(const char *text, const char *what)
{
	struct sim_token t;
	char err[256];
	int ret;

	memset(err, 0, sizeof(err));
	memset(&t, 0xa5, sizeof(t));
	ret = token_decode(text, &t, err, sizeof(err));
	cr_assert_eq(ret, -EINVAL, "\"%s\" gave %d (%s)", text, ret, err);
	cr_assert_neq(err[0], '\0', "no message for \"%s\"", text);
	cr_assert_null(strchr(err, '\n'), "message is not one line: %s", err);
	cr_assert_not_null(strstr(err, "token"), "message \"%s\" does not say token", err);
	cr_assert_not_null(strstr(err, what), "\"%s\": message \"%s\" lacks \"%s\"",
			   text, err, what);
	cr_assert_null(t.log, "log left behind after a failure");
	cr_assert_eq(t.len, 0);
	token_release(&t);
}

Test(token, rejects_bad_prefix, .timeout = 10)
{
	check_rejected("", "expected 'hv2.' prefix");
	check_rejected("hv2", "expected 'hv2.' prefix");
	check_rejected("hv.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
	check_rejected("hv02.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
	check_rejected("hv2x.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
	check_rejected("hv99999999999.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
	check_rejected("HV2.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
	check_rejected(" hv2.pct:3.7.AAAAAAAAAAAA", "expected 'hv2.' prefix");
}

/*
 * A token of another format version says so: an hv1 token (no budgets)
 * is refused as older, whatever follows its prefix, and one from a later
 * hvsim as newer.
 */
Test(token, rejects_other_format_versions, .timeout = 10)
{
	check_rejected("hv1.pct:2.16065523922850094435.9UOuF_PhrMwCAQABAQAB",
		       "hv1 is an older format than this hvsim reads (hv2");
	check_rejected("hv1.pct:2.16065523922850094435.9UOuF_PhrMwCAQABAQAB",
		       "find the run again with this build");
	check_rejected("hv1.garbage", "hv1 is an older format");
	check_rejected("hv0.", "hv0 is an older format");
	check_rejected("hv3.pct:3.7.AAAAAAAAAAAA", "hv3 is a newer format than this hvsim reads (hv2)");
}

Test(token, rejects_truncated_budgets, .timeout = 10)
{
	static const uint8_t steps_only[] = { 3 };
	static const uint8_t eleven[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
	};
	char *text;

	/* The build id alone: the budgets are missing. */
	text = token_with_tail(NULL, 0);
	check_rejected(text, "body ends before the step budget");
	free(text);
	text = token_with_tail(steps_only, sizeof(steps_only));
	check_rejected(text, "body ends before the cycle budget");
	free(text);
	text = token_with_tail(eleven, sizeof(eleven));
	check_rejected(text, "step budget is not a varint");
	free(text);
}

Test(token, rejects_bad_strategy, .timeout = 10)
{
	check_rejected("hv2.", "after the strategy");
	check_rejected("hv2.pct:3", "after the strategy");
	check_rejected("hv2..7.AAAAAAAAAAAA", "strategy is empty");
	check_rejected("hv2.PCT:3.7.AAAAAAAAAAAA", "strategy has a character");
	check_rejected("hv2.pct-3.7.AAAAAAAAAAAA", "strategy has a character");
	check_rejected("hv2.pct 3.7.AAAAAAAAAAAA", "strategy has a character");
	check_rejected("hv2.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.7.AAAAAAAAAAAA",
		       "strategy is longer than 31");
}

Test(token, accepts_longest_strategy, .timeout = 10)
{
	check_round_trip("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 3, NULL, 0);
}

Test(token, rejects_bad_seed, .timeout = 10)
{
	check_rejected("hv2.pct:3.", "after the seed");
	check_rejected("hv2.pct:3.7", "after the seed");
	check_rejected("hv2.pct:3..AAAAAAAAAAAA", "seed is not a decimal number");
	check_rejected("hv2.pct:3.-7.AAAAAAAAAAAA", "seed is not a decimal number");
	check_rejected("hv2.pct:3.+7.AAAAAAAAAAAA", "seed is not a decimal number");
	check_rejected("hv2.pct:3.0x10.AAAAAAAAAAAA", "seed is not a decimal number");
	check_rejected("hv2.pct:3. 7.AAAAAAAAAAAA", "seed is not a decimal number");
	check_rejected("hv2.pct:3.18446744073709551616.AAAAAAAAAAAA", "64 bits");
	check_rejected("hv2.pct:3.99999999999999999999.AAAAAAAAAAAA", "64 bits");
}

Test(token, rejects_bad_base64, .timeout = 10)
{
	check_rejected("hv2.pct:3.7.AAAA+AAAAAAA", "body is not base64url");
	check_rejected("hv2.pct:3.7.AAAA/AAAAAAA", "body is not base64url");
	check_rejected("hv2.pct:3.7.AAAAAAAAAAA=", "body is not base64url");
	check_rejected("hv2.pct:3.7.AAAAAAAAAAAAA", "body is not base64url");
	check_rejected("hv2.pct:3.7.AAAAAA.AAAAA", "body is not base64url");
	check_rejected("hv2.pct:3.7.AAAAAAAAAAAA\n", "body is not base64url");
}

Test(token, rejects_short_body, .timeout = 10)
{
	const uint8_t seven[7] = { 0 };
	char *text;

	check_rejected("hv2.pct:3.7.", "too short to hold the build id");
	text = token_with_body(seven, sizeof(seven));
	check_rejected(text, "too short to hold the build id");
	free(text);
	/* The build id and the budgets alone: the count is missing. */
	text = token_with_log(NULL, 0);
	check_rejected(text, "before the decision count");
	free(text);
}

Test(token, rejects_bad_count, .timeout = 10)
{
	static const uint8_t eleven[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
	};
	static const uint8_t too_big[] = { 0x80, 0x80, 0x80, 0x80, 0x10 };
	char *text;

	text = token_with_log(eleven, sizeof(eleven));
	check_rejected(text, "decision count is not a varint");
	free(text);
	text = token_with_log(too_big, sizeof(too_big));
	check_rejected(text, "decision count 4294967296 is out of range");
	free(text);
}

Test(token, rejects_truncated_decision, .timeout = 10)
{
	/* Count 7, two whole decisions, then one of three varints. */
	static const uint8_t log[] = { 7, 1, 0, 1, 2, 0, 1, 3 };
	char *text = token_with_log(log, sizeof(log));

	check_rejected(text, "truncated decision 3 of 7");
	free(text);
}

Test(token, huge_count_is_not_allocated, .timeout = 10)
{
	/* 2^32 - 1 decisions claimed (64 GiB of records), room for one. */
	static const uint8_t log[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0, 1 };
	char *text = token_with_log(log, sizeof(log));

	limit_address_space();
	check_rejected(text, "truncated decision 2 of 4294967295");
	free(text);
}

Test(token, rejects_trailing_bytes, .timeout = 10)
{
	static const uint8_t log[] = { 1, 5, 0, 1, 0 };
	static const uint8_t none[] = { 0, 0 };
	char *text;

	text = token_with_log(log, sizeof(log));
	check_rejected(text, "trailing bytes after the decisions");
	free(text);
	text = token_with_log(none, sizeof(none));
	check_rejected(text, "trailing bytes after the decisions");
	free(text);
}

Test(token, rejects_a_repeated_slot, .timeout = 10)
{
	/* Step 5 slot 1, then step 5 slot 1 again; then slots 1, 0, 1. */
	static const uint8_t same[] = { 2, 5, 1, 1, 0, 1, 1 };
	static const uint8_t later[] = { 3, 5, 1, 1, 0, 0, 1, 0, 1, 1 };
	char *text;

	text = token_with_log(same, sizeof(same));
	check_rejected(text, "decision 2 of 2 repeats slot 1 of step 5");
	free(text);
	text = token_with_log(later, sizeof(later));
	check_rejected(text, "decision 3 of 3 repeats slot 1 of step 5");
	free(text);
}

/*
 * Decisions of one step come in the order the run made them: a wake-up's
 * MIGRATE (slot 2) for step 5 before step 5's SCHED (slot 0).
 */
Test(token, accepts_a_step_s_slots_in_run_order, .timeout = 10)
{
	static const uint8_t log[] = { 2, 5, 2, 1, 0, 0, 1 };
	char *text = token_with_log(log, sizeof(log));
	struct sim_token t;
	char err[256] = "";

	cr_assert_eq(token_decode(text, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.len, 2);
	cr_assert_eq(t.log[0].ordinal, 2);
	cr_assert_eq(t.log[1].ordinal, 0);
	cr_assert_eq(t.log[1].step, 5);
	token_release(&t);
	free(text);
}

Test(token, accepts_shared_step_with_later_ordinal, .timeout = 10)
{
	static const uint8_t log[] = { 2, 5, 1, 1, 0, 2, 1 };
	char *text = token_with_log(log, sizeof(log));
	struct sim_token t;
	char err[256];

	cr_assert_eq(token_decode(text, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.len, 2);
	cr_assert_eq(t.log[0].step, 5);
	cr_assert_eq(t.log[1].step, 5);
	cr_assert_eq(t.log[1].ordinal, 2);
	token_release(&t);
	free(text);
}

Test(token, rejects_value_zero, .timeout = 10)
{
	static const uint8_t log[] = { 1, 5, 0, 0 };
	char *text = token_with_log(log, sizeof(log));

	check_rejected(text, "decision value 0 is never stored");
	free(text);
}

Test(token, rejects_out_of_range_fields, .timeout = 10)
{
	/* Ordinal 2^32. */
	static const uint8_t ordinal[] = { 1, 5, 0x80, 0x80, 0x80, 0x80, 0x10, 1 };
	/* Value 2^32. */
	static const uint8_t value[] = { 1, 5, 0, 0x80, 0x80, 0x80, 0x80, 0x10 };
	/* Steps UINT64_MAX and then one more. */
	static const uint8_t overflow[] = {
		2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 1,
		1, 0, 1,
	};
	/* An eleven-byte step delta. */
	static const uint8_t garbage[] = {
		1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 1,
	};
	char *text;

	text = token_with_log(ordinal, sizeof(ordinal));
	check_rejected(text, "exceeds 32 bits");
	free(text);
	text = token_with_log(value, sizeof(value));
	check_rejected(text, "exceeds 32 bits");
	free(text);
	text = token_with_log(overflow, sizeof(overflow));
	check_rejected(text, "step overflows 64 bits");
	free(text);
	text = token_with_log(garbage, sizeof(garbage));
	check_rejected(text, "decision 1 of 1 is not a varint");
	free(text);
}

Test(token, small_error_buffer, .timeout = 10)
{
	struct sim_token t;
	char err[8];

	memset(err, 'x', sizeof(err));
	cr_assert_eq(token_decode("nope", &t, err, sizeof(err)), -EINVAL);
	cr_assert_eq(err[sizeof(err) - 1], '\0');
	cr_assert_eq(strlen(err), sizeof(err) - 1);
	cr_assert_eq(token_decode("nope", &t, NULL, 0), -EINVAL);
}

/*
 * Every prefix of a valid token, and every single-character substitution
 * in it, decodes or is refused; none may crash or leak (run under ASan).
 */
Test(token, mutations_never_crash, .timeout = 10)
{
	static const char subst[] = "A_-z9.:+=\x01\xff";
	struct sim_decision_rec log[20];
	struct sim_token t;
	char err[256];
	char *text, *copy;
	size_t len, i, j;
	uint32_t k;
	int ret;

	for (k = 0; k < 20; k++) {
		log[k].step = 1000 * (k + 1);
		log[k].ordinal = k % 2;
		log[k].value = 1 + k * 1000;
	}
	text = token_encode("pct:3", 12345, &test_budget, test_fingerprint, log, 20);
	cr_assert_not_null(text);
	len = strlen(text);
	copy = malloc(len + 1);
	cr_assert_not_null(copy);

	for (i = 0; i <= len; i++) {
		memcpy(copy, text, i);
		copy[i] = '\0';
		ret = token_decode(copy, &t, err, sizeof(err));
		cr_assert(ret == 0 || ret == -EINVAL);
		cr_assert(ret == 0 || strstr(err, "token"), "%s", err);
		/* A whole token is the only prefix that decodes. */
		cr_assert_eq(ret == 0, i == len, "prefix %zu of %s", i, text);
		token_release(&t);
	}
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(subst) - 1; j++) {
			memcpy(copy, text, len + 1);
			copy[i] = subst[j];
			ret = token_decode(copy, &t, err, sizeof(err));
			cr_assert(ret == 0 || ret == -EINVAL);
			token_release(&t);
		}
	}
	free(copy);
	free(text);
}
